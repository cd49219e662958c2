package manager

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/weir-dev/weir/operator/runs"
)

func TestAccessConfigEnabled(t *testing.T) {
	for addr, want := range map[string]bool{"": false, "0": false, ":8090": true, "127.0.0.1:0": true} {
		if got := (AccessConfig{BindAddress: addr}).Enabled(); got != want {
			t.Errorf("BindAddress %q: Enabled() = %v, want %v", addr, got, want)
		}
	}
}

// The manager serves the access server on --access-bind-address, with
// keys from (and first into) --access-secret, and hands the Workspace
// controller a prober.
func TestManagerServesAccess(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run KUBEBUILDER_ASSETS=$(hack/control-plane.sh) go test ./operator/manager/")
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	restCfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	ctx, cancel := context.WithCancel(context.Background())
	c, err := client.New(restCfg, client.Options{Scheme: Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "weir-system"}}); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg := Config{
		Runs:               runs.Options{Image: "ghcr.io/weir-dev/weir:test"},
		MetricsBindAddress: "0", HealthProbeBindAddress: "0", DefaultPolicies: true,
		Access: AccessConfig{BindAddress: addr, SecretNamespace: "weir-system", SecretName: "weir-access"},
	}
	mgr, err := New(ctx, restCfg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("the manager stopped with %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("the manager did not stop")
		}
	})

	var body string
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/_weir/auth", nil)
		req.Header.Set("X-Forwarded-Host", "ide.example.com")
		req.Header.Set("X-Forwarded-Uri", "/workspaces/team/nb/")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = fmt.Sprintf("%d %s", resp.StatusCode, b)
			if resp.StatusCode == http.StatusNotFound && strings.Contains(body, "No WorkspaceManager") {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the access server did not answer forward-auth at %s (last: %v %s)", addr, err, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	sec := &corev1.Secret{}
	if err := c.Get(ctx, types.NamespacedName{Namespace: "weir-system", Name: "weir-access"}, sec); err != nil {
		t.Fatalf("the keys Secret: %v", err)
	}
	if len(sec.Data["session-hash-key"]) != 64 || len(sec.Data["probe-key"]) != 32 {
		t.Fatalf("the keys Secret holds %d keys of the wrong sizes", len(sec.Data))
	}
}
