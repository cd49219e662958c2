package access

import (
	"bytes"
	"html/template"
	"net/http"
)

// page is what the access server shows a person: a denial, a login error,
// a missing Workspace. Every field is escaped by html/template.
type page struct {
	Status  int
	Title   string
	Message string
	// User, Workspace and Reason are shown when set (the 403 page).
	User      string
	Workspace string
	Reason    string
	Code      string
	// Link, with LinkText, offers a way on (log in again, log out).
	Link     string
	LinkText string
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 40em; margin: 4em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.4em; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .3em 1em; }
dt { font-weight: bold; }
.code { color: #777; font-size: .9em; }
</style>
</head>
<body>
<h1 id="title">{{.Title}}</h1>
<p id="message">{{.Message}}</p>
{{if or .User .Workspace .Reason}}<dl>
{{if .User}}<dt>Signed in as</dt><dd id="user">{{.User}}</dd>{{end}}
{{if .Workspace}}<dt>Workspace</dt><dd id="workspace">{{.Workspace}}</dd>{{end}}
{{if .Reason}}<dt>Why</dt><dd id="reason">{{.Reason}}</dd>{{end}}
</dl>{{end}}
{{if .Link}}<p><a id="link" href="{{.Link}}">{{.LinkText}}</a></p>{{end}}
{{if .Code}}<p class="code">Weir access: {{.Code}}</p>{{end}}
</body>
</html>
`))

// rendered is a page ready to send again and again.
type rendered struct {
	status int
	body   []byte
}

// render is nil for a nil page.
func (p *page) render() *rendered {
	if p == nil {
		return nil
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		buf.Reset()
		buf.WriteString(template.HTMLEscapeString(p.Title)) // the template is constant; cannot happen
	}
	return &rendered{status: p.Status, body: buf.Bytes()}
}

func (p page) write(w http.ResponseWriter) { p.render().write(w) }

func (r *rendered) write(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body)
}
