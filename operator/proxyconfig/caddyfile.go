package proxyconfig

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// header starts every rendered file: whoever opens the ConfigMap learns
// where it comes from.
const header = "# Rendered by Weir from the Ingresses of IngressClasses whose controller is " + ControllerName + ".\n" +
	"# Edits are overwritten: change the Ingresses (or the WorkspaceManagers that make them) instead.\n"

// caddyfile writes the global options, then one site per host (a host's
// own paths and the host-less ones; every host has the host-less ones, as
// an Ingress rule without a host applies to all) and a catch-all site.
// Each site is one `route` block, so the order written is the order
// matched: handles sorted longest path first, the first match wins, and
// what matches none is a 404.
func caddyfile(routes []route, o RenderOptions) string {
	port := o.Port
	if port == 0 {
		port = DefaultPort
	}
	admin := o.Admin
	if admin == "" {
		admin = DefaultAdmin
	}
	var b bytes.Buffer
	b.WriteString(header)
	fmt.Fprintf(&b, "{\n\tadmin %s\n\tauto_https off\n\tpersist_config off\n}\n", quote(admin))

	byHost := map[string][]route{}
	for _, r := range routes {
		byHost[r.host] = append(byHost[r.host], r)
	}
	hosts := make([]string, 0, len(byHost))
	for h := range byHost {
		if h != "" {
			hosts = append(hosts, h)
		}
	}
	sort.Strings(hosts)
	for _, h := range hosts {
		site(&b, "http://"+h+":"+strconv.Itoa(port), merge(byHost[h], byHost[""]), o.Bind)
	}
	site(&b, "http://:"+strconv.Itoa(port), byHost[""], o.Bind)
	return b.String()
}

// merge is a host's routes plus the host-less ones it does not have.
func merge(own, shared []route) []route {
	out := append([]route(nil), own...)
	have := map[string]bool{}
	for _, r := range own {
		have[matchKey(r)] = true
	}
	for _, r := range shared {
		if !have[matchKey(r)] {
			out = append(out, r)
		}
	}
	return out
}

func matchKey(r route) string {
	return strconv.FormatBool(r.exact) + " " + normalPath(r.path, r.exact)
}

// sortRoutes: the longest path first (an exact path before a prefix of
// the same length), so the longest matching prefix wins.
func sortRoutes(rs []route) {
	sort.SliceStable(rs, func(i, j int) bool {
		pi, pj := normalPath(rs[i].path, rs[i].exact), normalPath(rs[j].path, rs[j].exact)
		if len(pi) != len(pj) {
			return len(pi) > len(pj)
		}
		if rs[i].exact != rs[j].exact {
			return rs[i].exact
		}
		return pi < pj
	})
}

func site(b *bytes.Buffer, addr string, routes []route, bind string) {
	routes = append([]route(nil), routes...)
	sortRoutes(routes)
	fmt.Fprintf(b, "\n%s {\n", addr)
	if bind != "" {
		fmt.Fprintf(b, "\tbind %s\n", quote(bind))
	}
	// Named matchers: an Ingress prefix needs two paths (/a and /a/*),
	// which only a named matcher holds.
	for i, r := range routes {
		if paths := matcherPaths(r); paths != nil {
			fmt.Fprintf(b, "\t@r%d path", i)
			for _, p := range paths {
				b.WriteString(" " + quote(p))
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\troute {\n")
	for _, h := range authHeaders {
		fmt.Fprintf(b, "\t\trequest_header -%s\n", h)
	}
	catchAll := false
	for i, r := range routes {
		fmt.Fprintf(b, "\t\t# %s\n", r.from)
		if matcherPaths(r) == nil {
			catchAll = true
			b.WriteString("\t\thandle {\n")
		} else {
			fmt.Fprintf(b, "\t\thandle @r%d {\n", i)
		}
		if a := r.auth; a != nil {
			fmt.Fprintf(b, "\t\t\tforward_auth %s {\n\t\t\t\turi %s\n\t\t\t\tcopy_headers %s\n\t\t\t}\n",
				quote(a.upstream), quote(a.uri), strings.Join(authHeaders, " "))
		}
		// The client's Host is kept (the default); flush_interval -1
		// streams answers (server-sent events, long polls) at once.
		fmt.Fprintf(b, "\t\t\treverse_proxy %s {\n\t\t\t\tflush_interval -1\n\t\t\t}\n\t\t}\n", quote(r.upstream))
		if catchAll {
			break // nothing after it is reached
		}
	}
	if !catchAll {
		b.WriteString("\t\thandle {\n\t\t\trespond \"no route\" 404\n\t\t}\n")
	}
	b.WriteString("\t}\n}\n")
}

// matcherPaths are the Caddy path patterns of a route; nil: every path.
func matcherPaths(r route) []string {
	if r.exact {
		return []string{r.path}
	}
	p := normalPath(r.path, false)
	if p == "/" {
		return nil
	}
	return []string{p, p + "/*"}
}

// quote makes s one Caddyfile token.
func quote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"{}#\n`") {
		return s
	}
	return strconv.Quote(s)
}
