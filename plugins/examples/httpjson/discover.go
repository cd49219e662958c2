package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/weir-dev/weir/plugins/model"
	sdk "github.com/weir-dev/weir/plugins/sdk/go"
)

// docAsset is one entry of the document's "assets".
type docAsset struct {
	Name          string         `json:"name"`
	Type          string         `json:"type"`
	Description   string         `json:"description,omitempty"`
	Metadata      map[string]any `json:"metadata,omitempty"`
	Tags          []string       `json:"tags,omitempty"`
	Documentation string         `json:"documentation,omitempty"`
}

// docLineage is one entry of the document's "lineage".
type docLineage struct {
	Source string `json:"source"`
	Target string `json:"target"`
	Type   string `json:"type,omitempty"`
}

type counts struct{ assets, lineage int }

// discover fetches the document and streams what it lists to e, entry by
// entry, so a large document is never held in memory.
func discover(ctx context.Context, cfg Config, e sdk.Emitter) (counts, error) {
	var n counts
	body, err := get(ctx, cfg)
	if err != nil {
		return n, err
	}
	defer body.Close()
	now := time.Now().UTC()
	mrns := map[string]string{} // asset name -> MRN, for lineage by name

	dec := json.NewDecoder(body)
	if err := expectDelim(dec, '{', "the document"); err != nil {
		return n, err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return n, documentError("reading the document: %v", err)
		}
		key, _ := tok.(string)
		switch key {
		case "assets":
			err = eachEntry(dec, key, func(i int) error {
				var a docAsset
				if err := dec.Decode(&a); err != nil {
					return documentError("assets[%d]: %v", i, err)
				}
				if a.Name == "" || a.Type == "" {
					return documentError("assets[%d]: name and type are required", i)
				}
				asset := sdk.NewAsset(a.Type, cfg.Provider, a.Name)
				if a.Description != "" {
					asset.Description = &a.Description
				}
				asset.Metadata = a.Metadata
				asset.Tags = a.Tags
				asset.Sources = []model.AssetSource{sdk.SourceAt(cfg.Provider, now, a.Metadata)}
				mrns[a.Name] = asset.MRN
				n.assets++
				if err := e.Asset(asset); err != nil {
					return err
				}
				if a.Documentation == "" {
					return nil
				}
				return e.Documentation(model.Documentation{MRN: asset.MRN, Content: a.Documentation, Source: cfg.Provider})
			})
		case "lineage":
			err = eachEntry(dec, key, func(i int) error {
				var l docLineage
				if err := dec.Decode(&l); err != nil {
					return documentError("lineage[%d]: %v", i, err)
				}
				src, err := resolve(mrns, l.Source, fmt.Sprintf("lineage[%d].source", i))
				if err != nil {
					return err
				}
				dst, err := resolve(mrns, l.Target, fmt.Sprintf("lineage[%d].target", i))
				if err != nil {
					return err
				}
				if l.Type == "" {
					l.Type = "DIRECT"
				}
				n.lineage++
				return e.Lineage(sdk.NewLineage(src, dst, l.Type))
			})
		default: // unknown keys are skipped, for documents that grow
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// resolve turns a lineage end, an MRN or the name of an asset listed
// earlier, into an MRN.
func resolve(mrns map[string]string, ref, field string) (string, error) {
	if strings.HasPrefix(ref, "mrn://") {
		return ref, nil
	}
	if mrn, ok := mrns[ref]; ok {
		return mrn, nil
	}
	return "", documentError("%s: %q is neither an MRN nor the name of an asset listed before it", field, ref)
}

func eachEntry(dec *json.Decoder, key string, f func(i int) error) error {
	if err := expectDelim(dec, '[', `"`+key+`"`); err != nil {
		return err
	}
	for i := 0; dec.More(); i++ {
		if err := f(i); err != nil {
			return err
		}
	}
	_, err := dec.Token() // ]
	return err
}

func expectDelim(dec *json.Decoder, want json.Delim, what string) error {
	tok, err := dec.Token()
	if err != nil {
		return documentError("reading %s: %v", what, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return documentError("%s must start with %q", what, string(want))
	}
	return nil
}

// documentError is a document that is not what this source reads: a later
// run will not do better unless someone fixes it.
func documentError(format string, args ...any) error {
	return sdk.Errorf("http-json: "+format, args...)
}

// get requests the document and returns its body.
//
// net/http's Client works as it does natively: its Transport dials with
// the SDK's dialer, so the host checks the address against the config and
// dials it, and TLS runs here, verifying the url's host name. Redirects
// are not followed: the host would allow only the url's host anyway.
func get(ctx context.Context, cfg Config) (io.ReadCloser, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.CACert != "" {
		tc.RootCAs = x509.NewCertPool()
		tc.RootCAs.AppendCertsFromPEM([]byte(cfg.CACert))
	}
	client := &http.Client{
		Transport: &http.Transport{
			DialContext:       (&sdk.Dialer{}).DialContext,
			TLSClientConfig:   tc,
			DisableKeepAlives: true, // one request per run
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.URL, nil)
	if err != nil {
		return nil, sdk.Errorf("url: %v", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "weir-http-json/"+Version)
	if cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.Token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		err := fmt.Errorf("http-json: GET %s: %s", cfg.URL, resp.Status)
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			return nil, sdk.Retryable(err)
		}
		return nil, sdk.Errorf("%v", err) // 3xx, 4xx: the config or the server needs fixing
	}
	return resp.Body, nil
}
