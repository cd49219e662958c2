package fetch

import (
	neturl "net/url"
	"strings"
)

// Redact returns url without what may be a credential: its user
// information (https://user:password@host/...) and its query and fragment,
// where pre-signed URLs carry their signature (X-Amz-Signature=, sig=,
// token=). The digest pins a module's bytes, so the rest still names it.
// SourcePlugin status and the pipeline.yaml of Runs get only this form.
func Redact(url string) string {
	if i := strings.IndexAny(url, "?#"); i >= 0 {
		url = url[:i]
	}
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	auth, path, hasPath := strings.Cut(rest, "/")
	if i := strings.LastIndex(auth, "@"); i >= 0 {
		auth = auth[i+1:]
	}
	if hasPath {
		return scheme + "://" + auth + "/" + path
	}
	return scheme + "://" + auth
}

// RedactIn replaces url, and each secret part of it, in text with
// Redact(url): for messages that may have quoted it.
func RedactIn(text, url string) string {
	safe := Redact(url)
	if safe == url {
		return text
	}
	text = strings.ReplaceAll(text, url, safe)
	if u, err := neturl.Parse(url); err == nil {
		for _, secret := range []string{u.User.String(), u.RawQuery, u.Fragment} {
			if len(secret) >= 4 { // a short one would erase ordinary words
				text = strings.ReplaceAll(text, secret, "…")
			}
		}
	}
	return text
}
