package main

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Config is the source's configuration, a runs[] entry of pipeline.yaml:
//
//	runs:
//	  - http-json:
//	      url: https://catalog.example.com/assets.json
//	      token: "${CATALOG_TOKEN}"
type Config struct {
	// URL is the http or https address of the document (required). Its
	// host is the only one the module may dial.
	URL string `json:"url"`
	// Token, when set, is sent as "Authorization: Bearer <token>".
	Token string `json:"token,omitempty"`
	// CACert is PEM text of the CAs that sign the server's certificate;
	// empty: the roots the host mounts for the module.
	CACert string `json:"ca_cert,omitempty"`
	// Provider is the providers[0] of every asset, part of its MRN
	// (default "HTTP").
	Provider string `json:"provider,omitempty"`
	// TimeoutSeconds bounds the whole request (default 30).
	TimeoutSeconds flexInt `json:"timeout_seconds,omitempty"`

	// tags, external_links and filter are the keys every source takes;
	// weir applies them itself, so the source only accepts them.
	Tags          []string        `json:"tags,omitempty"`
	ExternalLinks json.RawMessage `json:"external_links,omitempty"`
	Filter        json.RawMessage `json:"filter,omitempty"`
}

// flexInt is an integer that may also be written as a string, which is
// what `weir ingest` makes of timeout_seconds: "${TIMEOUT}".
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" {
		return nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("timeout_seconds: must be an integer, got %s", b)
	}
	*n = flexInt(v)
	return nil
}

// parseConfig decodes and checks raw, applying the defaults. Every
// mistake is reported, one line per field.
func parseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields() // a typo (`ulr:`) is refused, not ignored
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("config: %v", err)
	}
	var errs []error
	if c.URL == "" {
		errs = append(errs, errors.New("url: required"))
	} else if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("url: %q is not an http or https URL", c.URL))
	}
	if c.CACert != "" && !x509.NewCertPool().AppendCertsFromPEM([]byte(c.CACert)) {
		errs = append(errs, errors.New("ca_cert: no PEM certificate in it"))
	}
	if c.Provider == "" {
		c.Provider = "HTTP"
	}
	switch {
	case c.TimeoutSeconds == 0:
		c.TimeoutSeconds = 30
	case c.TimeoutSeconds < 1 || c.TimeoutSeconds > 600:
		errs = append(errs, fmt.Errorf("timeout_seconds: %d is not between 1 and 600", c.TimeoutSeconds))
	}
	return c, errors.Join(errs...)
}

// configSchema is the JSON Schema of Config that the module publishes:
// Weir checks each runs[] entry against it at `kubectl apply`, dials only
// the hosts of fields marked x-weir-endpoint, and masks fields marked
// x-weir-secret before the config leaves the host.
func configSchema() map[string]any {
	str := func(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }
	strList := func(desc string) map[string]any {
		return map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": desc}
	}
	token := str("Sent as Authorization: Bearer <token>. Use a ${VAR} reference to a Secret.")
	token["x-weir-secret"] = true
	u := str("http or https URL of the JSON document.")
	u["x-weir-endpoint"] = true
	u["minLength"] = 1
	return map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"title":                "HTTP JSON",
		"description":          "Reads assets and lineage from a JSON document served over HTTP(S).",
		"type":                 "object",
		"additionalProperties": false,
		"required":             []any{"url"},
		"properties": map[string]any{
			"url":      u,
			"token":    token,
			"ca_cert":  str("PEM CA certificates for a server with a private CA."),
			"provider": map[string]any{"type": "string", "default": "HTTP", "description": "providers[0] of every asset (part of its MRN)."},
			"timeout_seconds": map[string]any{
				"type": "integer", "minimum": 1, "maximum": 600, "default": 30,
				"description": "Time limit of the request.",
			},
			"tags": strList("Tags for every asset; applied by weir."),
			"external_links": map[string]any{
				"type": "array", "description": "External links for every asset; applied by weir.",
				"items": map[string]any{
					"type": "object", "additionalProperties": false, "required": []any{"name", "url"},
					"properties": map[string]any{"name": str(""), "url": str(""), "icon": str("")},
				},
			},
			"filter": map[string]any{
				"type": "object", "additionalProperties": false, "description": "Filter assets by name (regex); applied by weir.",
				"properties": map[string]any{"include": strList(""), "exclude": strList("")},
			},
		},
	}
}
