package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// connect refuses, naming the cause and the fix, a Workspace it could not
// reach a tunnel of.
func TestConnectable(t *testing.T) {
	ok := func() *wsv1.Workspace {
		return &wsv1.Workspace{
			ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "nb"},
			Spec:       wsv1.WorkspaceSpec{Tunnel: &wsv1.WorkspaceTunnel{Port: 22}, DesiredStatus: wsv1.DesiredRunning},
			Status: wsv1.WorkspaceStatus{URL: "https://ide.example.com/workspaces/team/nb/",
				Route: &wsv1.RouteStatus{Kind: "Ingress", Name: "nb", Manager: "main"}},
		}
	}
	if err := connectable(ok()); err != nil {
		t.Fatalf("a routed Workspace with a tunnel: %v", err)
	}
	for want, change := range map[string]func(*wsv1.Workspace){
		"has no tunnel: set its spec.tunnel.port":       func(ws *wsv1.Workspace) { ws.Spec.Tunnel = nil },
		"is Stopped: start it first":                    func(ws *wsv1.Workspace) { ws.Spec.DesiredStatus = wsv1.DesiredStopped },
		"has no URL yet (status.url)":                   func(ws *wsv1.Workspace) { ws.Status.URL = "" },
		"not served through a WorkspaceManager's route": func(ws *wsv1.Workspace) { ws.Status.Route = nil },
	} {
		ws := ok()
		change(ws)
		if err := connectable(ws); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "team/nb") {
			t.Errorf("got %v, want an error naming team/nb that says %q", err, want)
		}
	}
}

func TestConnectToken(t *testing.T) {
	t.Setenv(EnvIDToken, " from-env\n")
	if tok, err := (connectOptions{}).token(); err != nil || tok != "from-env" {
		t.Errorf("from $%s: %q, %v", EnvIDToken, tok, err)
	}
	f := filepath.Join(t.TempDir(), "tok")
	if err := os.WriteFile(f, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if tok, err := (connectOptions{idTokenFile: f}).token(); err != nil || tok != "from-file" {
		t.Errorf("from --id-token-file: %q, %v", tok, err)
	}
	t.Setenv(EnvIDToken, "")
	if _, err := (connectOptions{}).token(); err == nil || !strings.Contains(err.Error(), "--id-token-file") {
		t.Errorf("no token: %v", err)
	}
}
