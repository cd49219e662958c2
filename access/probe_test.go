package access

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

func probeRequest(method, uri, token string) *http.Request {
	r := authRequest(host, uri, nil)
	r.Header.Set("X-Forwarded-Method", method)
	r.Header.Set(ProbeHeader, token)
	return r
}

func TestProbeToken(t *testing.T) {
	ts := newTestServer(t)
	ws := workspace("team", "nb", "alice", wsv1.OwnershipOwnerOnly)
	ts.reader.putWorkspace(ws)
	ts.reader.putWorkspace(workspace("team", "other", "alice", wsv1.OwnershipOwnerOnly))
	tok := probeToken(ts.o.Keys.Probe, ws, time.Now().Add(probeTTL))

	if rec := ts.do(probeRequest(http.MethodGet, "/lab/workspaces/team/nb/", tok)); rec.Code != http.StatusOK || rec.Header().Get(HeaderUser) != ProbeUser {
		t.Fatalf("GET with a good token: status %d, user %q", rec.Code, rec.Header().Get(HeaderUser))
	}
	if rec := ts.do(probeRequest(http.MethodHead, "/lab/workspaces/team/nb/lab", tok)); rec.Code != http.StatusOK {
		t.Fatalf("HEAD with a good token: status %d", rec.Code)
	}
	for name, r := range map[string]*http.Request{
		"POST":              probeRequest(http.MethodPost, "/lab/workspaces/team/nb/api/kernels", tok),
		"another Workspace": probeRequest(http.MethodGet, "/lab/workspaces/team/other/", tok),
		"expired":           probeRequest(http.MethodGet, "/lab/workspaces/team/nb/", probeToken(ts.o.Keys.Probe, ws, time.Now().Add(-time.Second))),
		"too far ahead":     probeRequest(http.MethodGet, "/lab/workspaces/team/nb/", probeToken(ts.o.Keys.Probe, ws, time.Now().Add(time.Hour))),
		"other keys":        probeRequest(http.MethodGet, "/lab/workspaces/team/nb/", probeToken([]byte("not the key"), ws, time.Now().Add(probeTTL))),
		"garbage":           probeRequest(http.MethodGet, "/lab/workspaces/team/nb/", "x.y"),
	} {
		if rec := ts.do(r); rec.Code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, rec.Code)
		}
	}
	// A Workspace re-created under the same name (new uid) refuses old tokens.
	again := workspace("team", "nb", "alice", wsv1.OwnershipOwnerOnly)
	again.UID = "uid-new"
	ts.reader.putWorkspace(again)
	if rec := ts.do(probeRequest(http.MethodGet, "/lab/workspaces/team/nb/", tok)); rec.Code != http.StatusForbidden {
		t.Fatalf("token of the earlier Workspace: status %d, want 403", rec.Code)
	}
}

// TestProberThroughForwardAuth: the Prober's request passes a proxy that
// asks the access server first, as Caddy's forward_auth does.
func TestProberThroughForwardAuth(t *testing.T) {
	ts := newTestServer(t)
	ws := workspace("team", "nb", "alice", wsv1.OwnershipOwnerOnly)
	ts.reader.putWorkspace(ws)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := httptest.NewRequest(http.MethodGet, AuthPath, nil)
		a.Header = r.Header.Clone()
		a.Header.Set("X-Forwarded-Method", r.Method)
		a.Header.Set("X-Forwarded-Host", host)
		a.Header.Set("X-Forwarded-Uri", r.URL.RequestURI())
		rec := ts.do(a)
		if rec.Code != http.StatusOK {
			w.WriteHeader(rec.Code)
			return
		}
		http.Redirect(w, r, r.URL.Path+"lab", http.StatusFound) // as Jupyter does
	}))
	defer proxy.Close()

	p := NewProber(nil)
	if err := p.Probe(context.Background(), ws, proxy.URL+"/lab/workspaces/team/nb/"); err == nil || !strings.Contains(err.Error(), "keys") {
		t.Fatalf("probe before keys: err = %v, want one about keys", err)
	}
	p.SetKeys(ts.o.Keys)
	if err := p.Probe(context.Background(), ws, proxy.URL+"/lab/workspaces/team/nb/"); err != nil {
		t.Fatalf("probe: %v", err)
	}
	other := workspace("team", "other", "alice", wsv1.OwnershipOwnerOnly)
	ts.reader.putWorkspace(other)
	if err := p.Probe(context.Background(), other, proxy.URL+"/lab/workspaces/team/nb/"); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("probe of another Workspace's path: err = %v, want HTTP 403", err)
	}
}
