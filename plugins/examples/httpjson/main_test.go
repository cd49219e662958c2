package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/weir-dev/weir/plugins/model"
	sdk "github.com/weir-dev/weir/plugins/sdk/go"
)

// Natively, sdk.Local runs the plugin in-process (the dialer is a
// net.Dialer): a quick check while writing it, before building the wasm.
func TestDiscoverNatively(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"assets": [{"name": "a", "type": "Table"}, {"name": "b", "type": "Table"}],
			"lineage": [{"source": "a", "target": "b"}]}`)
	}))
	defer srv.Close()
	src := sdk.Local(plugin{})
	var got []string
	raw, _ := json.Marshal(map[string]any{"url": srv.URL})
	err := src.Discover(context.Background(), raw, func(items []model.Item) error {
		for _, it := range items {
			if it.Asset != nil {
				got = append(got, it.Asset.MRN)
			}
			if it.Lineage != nil {
				got = append(got, it.Lineage.Source+"->"+it.Lineage.Target)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "mrn://table/http/a mrn://table/http/b mrn://table/http/a->mrn://table/http/b"
	if strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct{ config, want string }{
		{`{}`, "url: required"},
		{`{"url": "ftp://x"}`, "not an http or https URL"},
		{`{"url": "https://x", "timeout_seconds": 0.5}`, "timeout_seconds"},
		{`{"url": "https://x", "timeout_seconds": "900"}`, "not between 1 and 600"},
		{`{"url": "https://x", "ca_cert": "nope"}`, "ca_cert"},
		{`{"url": "https://x", "hots": "y"}`, "hots"},
		{`{"url": "https://x", "timeout_seconds": "60", "tags": ["t"], "filter": {"include": ["a"]}}`, ""},
	} {
		err := plugin{}.Validate(json.RawMessage(c.config))
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("Validate(%s) = %v, want %q", c.config, err, c.want)
		}
	}
}
