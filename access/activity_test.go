package access

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/test/realparts"
)

func TestActivityLog(t *testing.T) {
	var a ActivityLog
	if _, ok := a.LastSeen("team", "nb"); ok {
		t.Fatal("an empty log saw a request")
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a.Seen("team", "nb", t0)
	a.Seen("team", "nb", t0.Add(-time.Minute)) // late: ignored
	if got, ok := a.LastSeen("team", "nb"); !ok || !got.Equal(t0) {
		t.Fatalf("LastSeen = %v, %v; want %v", got, ok, t0)
	}
	a.Seen("team", "nb", t0.Add(time.Minute))
	if got, _ := a.LastSeen("team", "nb"); !got.Equal(t0.Add(time.Minute)) {
		t.Fatalf("LastSeen = %v, want a minute later", got)
	}
	if _, ok := a.LastSeen("team", "other"); ok {
		t.Fatal("another Workspace's request counted")
	}
}

// TestActivityThroughCaddy runs Weir's access server behind a real Caddy
// (forward_auth) in front of a real Jupyter: a user's request is activity,
// a probe and a refused request are not, and Prober.Read returns Jupyter's
// api/status through the route.
func TestActivityThroughCaddy(t *testing.T) {
	const path = "/lab/workspaces/team/nb/"
	jupyter := realparts.StartJupyter(t, path)
	caddy := realparts.StartCaddy(t)
	ts := newTestServer(t, testManager("default", caddy.URL+"/lab"))
	ws := workspace("team", "nb", "alice", wsv1.OwnershipPublic)
	ts.reader.putWorkspace(ws)
	auth := httptest.NewServer(ts)
	defer auth.Close()
	caddy.Load(t, []realparts.Route{{
		PathPrefix: path, Upstream: jupyter.Addr,
		ForwardAuth: strings.TrimPrefix(auth.URL, "http://"), AuthURI: AuthPath,
		CopyHeaders: []string{HeaderUser, HeaderGroups},
	}})
	url := caddy.URL + path
	ctx := context.Background()

	p := NewProber(nil)
	p.SetKeys(ts.o.Keys)
	// Caddy may drop a connection or two while it swaps its servers.
	var body []byte
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if body, err = p.Read(ctx, ws, url+"api/status"); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("Read api/status through Caddy: %v", err)
	}
	var st struct {
		LastActivity time.Time `json:"last_activity"`
	}
	if err := json.Unmarshal(body, &st); err != nil || st.LastActivity.IsZero() {
		t.Fatalf("api/status is not Jupyter's status (%v): %s", err, body)
	}
	if _, err := p.Read(ctx, ws, url+"api/nothing-here"); err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Fatalf("Read of a missing path: err = %v, want HTTP 404", err)
	}
	if err := p.Probe(ctx, ws, url); err != nil {
		t.Fatalf("Probe: %v", err)
	}
	get := func(cookie *http.Cookie) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, url+"api/contents", nil)
		if err != nil {
			t.Fatal(err)
		}
		if cookie != nil {
			req.AddCookie(cookie)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(nil); code != http.StatusUnauthorized {
		t.Fatalf("without a session: status %d, want 401", code)
	}
	if at, ok := ts.LastSeen("team", "nb"); ok {
		t.Fatalf("probes and a refused request counted as activity (at %v)", at)
	}

	before := time.Now()
	if code := get(ts.sessionCookie(t, "alice")); code != http.StatusOK {
		t.Fatalf("alice's request: status %d", code)
	}
	at, ok := ts.LastSeen("team", "nb")
	if !ok || at.Before(before) || at.After(time.Now()) {
		t.Fatalf("alice's request: LastSeen = %v, %v; want between %v and now", at, ok, before)
	}
	// Jupyter saw it too: its own last_activity moved.
	body, err = p.Read(ctx, ws, url+"api/status")
	if err != nil {
		t.Fatal(err)
	}
	var after struct {
		LastActivity time.Time `json:"last_activity"`
	}
	if err := json.Unmarshal(body, &after); err != nil || !after.LastActivity.After(st.LastActivity) {
		t.Fatalf("Jupyter's last_activity did not move after alice's request: %v then %s", st.LastActivity, body)
	}
}
