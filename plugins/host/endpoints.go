package host

import (
	"encoding/json"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// keyEndpoint marks config fields naming hosts a module may dial.
const keyEndpoint = "x-weir-endpoint"

// endpoint is a host a config names, with its port, or 0 for any port.
type endpoint struct {
	host string // lower-case name, or a canonical IP
	port uint16
}

func (e endpoint) String() string {
	if e.port == 0 {
		return e.host + ":*"
	}
	return net.JoinHostPort(e.host, strconv.Itoa(int(e.port)))
}

// matches says whether host (normalised) is e's host, or a name below
// it when e is a wildcard ("*.s3.eu-west-1.amazonaws.com").
func (e endpoint) matches(host string) bool {
	if suffix, ok := strings.CutPrefix(e.host, "*"); ok {
		return strings.HasSuffix(host, suffix) && len(host) > len(suffix) && !isIP(host)
	}
	return e.host == host
}

// allowlist is what a module may dial during one Discover.
type allowlist []endpoint

func (a allowlist) allows(host string, port uint16) bool {
	host = normalHost(host)
	return slices.ContainsFunc(a, func(e endpoint) bool {
		return e.matches(host) && (e.port == 0 || e.port == port)
	})
}

func (a allowlist) String() string {
	if len(a) == 0 {
		return "none"
	}
	s := make([]string, len(a))
	for i, e := range a {
		s[i] = e.String()
	}
	return strings.Join(s, ", ")
}

// endpointsOf collects the endpoints config names: the string values
// (or arrays of strings) of fields the schema marks "x-weir-endpoint".
// It follows "properties", "additionalProperties" and "items"; values
// that are not a host, host:port, a comma-separated list of those, or a
// URL are skipped, so nothing they say can be dialed.
func endpointsOf(schema map[string]any, config json.RawMessage) allowlist {
	var doc any
	if json.Unmarshal(config, &doc) != nil {
		return nil
	}
	var out allowlist
	collect(schema, doc, &out)
	return out
}

func collect(schema any, value any, out *allowlist) {
	s, ok := schema.(map[string]any)
	if !ok || value == nil {
		return
	}
	if s[keyEndpoint] == true {
		switch v := value.(type) {
		case string:
			*out = append(*out, parseEndpoints(v)...)
		case []any:
			for _, e := range v {
				if str, ok := e.(string); ok {
					*out = append(*out, parseEndpoints(str)...)
				}
			}
		}
	}
	if str, ok := value.(string); ok && s[keyEndpointTemplate] != nil {
		*out = append(*out, templateEndpoints(stringsOf(s[keyEndpointTemplate]), str)...)
	}
	switch v := value.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for k, fv := range v {
			if ps, ok := props[k]; ok {
				collect(ps, fv, out)
			} else {
				collect(s["additionalProperties"], fv, out)
			}
		}
	case []any:
		for _, e := range v {
			collect(s["items"], e, out)
		}
	}
}

func parseEndpoints(v string) []endpoint {
	v = strings.TrimSpace(v)
	if strings.Contains(v, "://") {
		u, err := url.Parse(v)
		if err != nil || u.Hostname() == "" {
			return nil
		}
		e, ok := newEndpoint(u.Hostname(), u.Port())
		if !ok {
			return nil
		}
		return []endpoint{e}
	}
	var out []endpoint
	for part := range strings.SplitSeq(v, ",") {
		part = strings.TrimSpace(part)
		host, port, err := net.SplitHostPort(part)
		if err != nil { // a bare name or IP (IPv6 without brackets included)
			host, port = part, ""
		}
		if e, ok := newEndpoint(host, port); ok {
			out = append(out, e)
		}
	}
	return out
}

// dnsLabel is what a template's value must be: one label, so that it
// cannot add a domain, a port or a wildcard of its own.
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// templateEndpoints are the endpoints the templates of a keyEndpointTemplate
// field imply for its value, e.g. "s3.{value}.amazonaws.com:443" and
// eu-west-1. Values that are not one DNS label imply nothing.
func templateEndpoints(tmpls []string, value string) []endpoint {
	label := strings.ToLower(strings.TrimSpace(value))
	if !dnsLabel.MatchString(label) {
		return nil
	}
	var out []endpoint
	for _, s := range tmpls {
		s = strings.ReplaceAll(s, templateValue, label)
		wild := strings.HasPrefix(s, "*.")
		for _, e := range parseEndpoints(strings.TrimPrefix(s, "*.")) {
			if wild {
				if isIP(e.host) {
					continue
				}
				e.host = "*." + e.host
			}
			out = append(out, e)
		}
	}
	return out
}

// stringsOf is a schema keyword's list of strings, as decoded from JSON
// ([]any) or written in Go ([]string).
func stringsOf(v any) []string {
	switch t := v.(type) {
	case []string:
		return t
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// hostName is a DNS name as normalHost leaves it: dot-separated labels of
// letters, digits, - and _ (punycode for others).
var hostName = regexp.MustCompile(`^[a-z0-9_-]+(\.[a-z0-9_-]+)*$`)

func newEndpoint(host, port string) (endpoint, bool) {
	host = normalHost(host)
	if !isIP(host) && !hostName.MatchString(host) {
		return endpoint{}, false
	}
	var p uint64
	if port != "" {
		var err error
		if p, err = strconv.ParseUint(port, 10, 16); err != nil || p == 0 {
			return endpoint{}, false
		}
	}
	return endpoint{host: host, port: uint16(p)}, true
}

// normalHost makes names and IPs comparable: lower case, no trailing dot,
// no brackets, IPs in canonical form.
func normalHost(h string) string {
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.Unmap().WithZone("").String()
	}
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

func isIP(h string) bool {
	_, err := netip.ParseAddr(h)
	return err == nil
}
