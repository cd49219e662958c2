package marmottest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// post sends body as the CLI would, unless header changes say otherwise,
// and returns the status (0 for a reset connection) and the answer.
func post(t *testing.T, s *Server, method, path, body string, header map[string]string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "marmot-cli")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		out = nil // a plain-text answer (405): the status tells
	}
	return resp.StatusCode, out
}

const (
	goodAsset = `{"name":"orders","type":"Table","providers":["PostgreSQL"],"description":null,"metadata":{"a":1},"schema":{},"tags":null,"sources":[{"name":"PostgreSQL","last_sync_at":"2026-01-02T03:04:05Z","priority":1}],"external_links":[]}`
	tail      = `"config":{},"pipeline_name":"p","source_name":"s","run_id":"run-1"}`
)

func batch(assets string) string {
	return `{"assets":[` + assets + `],"lineage":[],"documentation":[],"statistics":null,"run_history":[],` + tail
}

func start(t *testing.T, s *Server) {
	t.Helper()
	if code, out := post(t, s, "POST", "/api/v1/runs/start", `{"pipeline_name":"p","source_name":"s","config":{}}`, nil); code != 200 || out["run_id"] != "run-1" {
		t.Fatalf("start: %d %v", code, out)
	}
}

// TestServerAcceptsTheContract is the baseline for the tests below: a
// conforming sequence has no violations.
func TestServerAcceptsTheContract(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	start(t, s)
	code, out := post(t, s, "POST", "/api/v1/runs/assets/batch", batch(goodAsset), nil)
	if code != 200 {
		t.Fatalf("batch: %d", code)
	}
	results := out["assets"].([]any)
	if r := results[0].(map[string]any); r["mrn"] != "mrn://table/postgresql/orders" || r["status"] != "created" || r["provider"] != "PostgreSQL" {
		t.Errorf("result = %v", r)
	}
	summary := `{"assets_created":1,"assets_updated":0,"assets_deleted":0,"lineage_created":0,"lineage_updated":0,"documentation_added":0,"errors_count":0,"total_entities":1,"duration_seconds":0}`
	if code, _ := post(t, s, "POST", "/api/v1/runs/complete", `{"run_id":"run-1","status":"completed","summary":`+summary+`}`, nil); code != 200 {
		t.Fatalf("complete: %d", code)
	}
	if v := s.Violations(); len(v) > 0 {
		t.Errorf("violations: %v", v)
	}
	if code, out := post(t, s, "DELETE", "/api/v1/pipelines/p", "", nil); code != 200 || out["assets_deleted"] != 1.0 {
		t.Errorf("destroy: %d %v", code, out)
	}
}

func TestServerFindsViolations(t *testing.T) {
	tests := []struct {
		name     string
		send     func(t *testing.T, s *Server)
		want     string
		wantCode int
	}{
		{name: "wrong user agent", want: "User-Agent", wantCode: 200, send: func(t *testing.T, s *Server) {
			post(t, s, "DELETE", "/api/v1/pipelines/p", "", map[string]string{"User-Agent": "weir"})
		}},
		{name: "two credentials", want: "both X-API-Key and Authorization", wantCode: 200, send: func(t *testing.T, s *Server) {
			post(t, s, "DELETE", "/api/v1/pipelines/p", "", map[string]string{"X-API-Key": "k", "Authorization": "Bearer t"})
		}},
		{name: "unknown key", want: `unknown key "extra"`, wantCode: 200, send: func(t *testing.T, s *Server) {
			start(t, s)
			post(t, s, "POST", "/api/v1/runs/assets/batch", `{"extra":1,`+batch(goodAsset)[1:], nil)
		}},
		{name: "keys out of order", want: "keys in order lineage,assets", wantCode: 200, send: func(t *testing.T, s *Server) {
			start(t, s)
			post(t, s, "POST", "/api/v1/runs/assets/batch", `{"lineage":[],"assets":[`+goodAsset+`],"documentation":[],"statistics":null,"run_history":[],`+tail, nil)
		}},
		{name: "missing key", want: `missing key "statistics"`, wantCode: 200, send: func(t *testing.T, s *Server) {
			start(t, s)
			post(t, s, "POST", "/api/v1/runs/assets/batch", `{"assets":[`+goodAsset+`],"lineage":[],"documentation":[],"run_history":[],`+tail, nil)
		}},
		{name: "empty batch", want: "Marmot would delete every asset", wantCode: 200, send: func(t *testing.T, s *Server) {
			start(t, s)
			post(t, s, "POST", "/api/v1/runs/assets/batch", batch(""), nil)
		}},
		{name: "tags as []", want: "tags: is []", wantCode: 200, send: func(t *testing.T, s *Server) {
			start(t, s)
			post(t, s, "POST", "/api/v1/runs/assets/batch", batch(strings.Replace(goodAsset, `"tags":null`, `"tags":[]`, 1)), nil)
		}},
		{name: "schema value not a string", want: "schema.columns: is array", wantCode: 200, send: func(t *testing.T, s *Server) {
			start(t, s)
			post(t, s, "POST", "/api/v1/runs/assets/batch", batch(strings.Replace(goodAsset, `"schema":{}`, `"schema":{"columns":[]}`, 1)), nil)
		}},
		{name: "no providers crashes the handler", want: "providers: is empty", wantCode: 0, send: func(t *testing.T, s *Server) {
			start(t, s)
			post(t, s, "POST", "/api/v1/runs/assets/batch", batch(strings.Replace(goodAsset, `["PostgreSQL"]`, `[]`, 1)), nil)
		}},
		{name: "second, different batch", want: "a second, different batch", wantCode: 200, send: func(t *testing.T, s *Server) {
			start(t, s)
			post(t, s, "POST", "/api/v1/runs/assets/batch", batch(goodAsset), nil)
			post(t, s, "POST", "/api/v1/runs/assets/batch", batch(strings.Replace(goodAsset, "orders", "other", 1)), nil)
		}},
		{name: "completed despite a failed asset", want: "completed although 1 assets failed", wantCode: 200, send: func(t *testing.T, s *Server) {
			s.opts.AssetError = func(string, string) string { return "boom" }
			start(t, s)
			post(t, s, "POST", "/api/v1/runs/assets/batch", batch(goodAsset), nil)
			post(t, s, "POST", "/api/v1/runs/complete", `{"run_id":"run-1","status":"completed","summary":null}`, nil)
		}},
		{name: "summary disagrees with the results", want: "summary.total_entities: is 7", wantCode: 200, send: func(t *testing.T, s *Server) {
			start(t, s)
			post(t, s, "POST", "/api/v1/runs/assets/batch", batch(goodAsset), nil)
			post(t, s, "POST", "/api/v1/runs/complete", `{"run_id":"run-1","status":"completed","summary":{"assets_created":1,"assets_updated":0,"assets_deleted":0,"lineage_created":0,"lineage_updated":0,"documentation_added":0,"errors_count":0,"total_entities":7,"duration_seconds":0}}`, nil)
		}},
		{name: "run never completed, next one started", want: "still running", wantCode: 200, send: func(t *testing.T, s *Server) {
			start(t, s)
			post(t, s, "POST", "/api/v1/runs/start", `{"pipeline_name":"p","source_name":"s2","config":{}}`, nil)
		}},
		{name: "wrong method", want: "method: want POST", wantCode: 405, send: func(t *testing.T, s *Server) {
			post(t, s, "PUT", "/api/v1/runs/start", `{}`, nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Options{})
			defer s.Close()
			tt.send(t, s)
			v := s.Violations()
			if !slices.ContainsFunc(v, func(s string) bool { return strings.Contains(s, tt.want) }) {
				t.Errorf("violations %q lack %q", v, tt.want)
			}
			reqs := s.Requests()
			if got := reqs[len(reqs)-1].Status; got != tt.wantCode {
				t.Errorf("last answer %d, want %d", got, tt.wantCode)
			}
		})
	}
}

// TestServerStaleDeletion checks the fake's §6 model: a run's batch
// deletes the baseline's assets it lacks.
func TestServerStaleDeletion(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	s.AddAsset("p", "s", "mrn://table/postgresql/gone")
	s.AddAsset("p", "other", "mrn://table/postgresql/kept")
	start(t, s)
	_, out := post(t, s, "POST", "/api/v1/runs/assets/batch", batch(goodAsset), nil)
	if got := out["stale_entities_removed"]; len(got.([]any)) != 1 || got.([]any)[0] != "mrn://table/postgresql/gone" {
		t.Errorf("stale_entities_removed = %v", got)
	}
	if got := s.Catalog(); !slices.Equal(got, []string{"mrn://table/postgresql/kept", "mrn://table/postgresql/orders"}) {
		t.Errorf("catalogue = %v", got)
	}
}

// TestServerHashesAsMarmot checks the fake's §4.2 model: an asset is
// unchanged when its hash (without sync times) equals the one the
// baseline recorded for its MRN, which is the last asset's of that MRN,
// and an unchanged asset is not written. So two assets of one MRN in each
// batch leave the first one in the catalogue from the second run on, as in
// Marmot.
func TestServerHashesAsMarmot(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	a := `{"name":"orders","type":"Table","providers":["PostgreSQL"],"description":"public.orders","metadata":{},"schema":{},"tags":null,"sources":[{"name":"PostgreSQL","last_sync_at":"%s","priority":1}],"external_links":[]}`
	b := strings.Replace(a, "public.orders", "sales.orders", 1)
	wantStatuses := [][]string{{"created", "updated"}, {"updated", "unchanged"}, {"updated", "unchanged"}}
	for run, synced := range []string{"2026-01-02T03:04:05Z", "2026-01-03T03:04:05Z", "2026-01-04T03:04:05Z"} {
		id := "run-" + strconv.Itoa(run+1)
		if code, _ := post(t, s, "POST", "/api/v1/runs/start", `{"pipeline_name":"p","source_name":"s","config":{}}`, nil); code != 200 {
			t.Fatalf("start: %d", code)
		}
		body := `{"assets":[` + fmt.Sprintf(a, synced) + "," + fmt.Sprintf(b, synced) + `],"lineage":[],"documentation":[],"statistics":null,"run_history":[],"config":{},"pipeline_name":"p","source_name":"s","run_id":"` + id + `"}`
		_, out := post(t, s, "POST", "/api/v1/runs/assets/batch", body, nil)
		var got []string
		for _, r := range out["assets"].([]any) {
			got = append(got, r.(map[string]any)["status"].(string))
		}
		if !slices.Equal(got, wantStatuses[run]) {
			t.Errorf("run %d: statuses %q, want %q", run+1, got, wantStatuses[run])
		}
		counts := s.Statuses(id)
		summary := fmt.Sprintf(`{"run_id":%q,"status":"completed","summary":{"assets_created":%d,"assets_updated":%d,"assets_deleted":0,"lineage_created":0,"lineage_updated":0,"documentation_added":0,"errors_count":0,"total_entities":2,"duration_seconds":0}}`,
			id, counts["created"], counts["updated"])
		if code, _ := post(t, s, "POST", "/api/v1/runs/complete", summary, nil); code != 200 {
			t.Fatalf("complete: %d", code)
		}
		stored, _ := s.Asset("mrn://table/postgresql/orders")
		want := "sales.orders"
		if run > 0 {
			want = "public.orders" // the unchanged sales.orders was not written
		}
		if !strings.Contains(string(stored), `"description":"`+want+`"`) {
			t.Errorf("run %d: stored %s, want %s's", run+1, stored, want)
		}
	}
	if v := s.Violations(); len(v) > 0 {
		t.Errorf("violations: %q", v)
	}
}
