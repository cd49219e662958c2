package realparts

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestJupyterBehindCaddy opens the notebook through Caddy in Chromium and
// runs its cell: the page, the kernel's WebSocket and the output all go
// through the proxy under the Workspace's path, each request (the
// WebSocket's upgrade too) asked about at an auth server that allows all.
func TestJupyterBehindCaddy(t *testing.T) {
	const base = "/workspaces/ns/nb/"
	var mu sync.Mutex
	var asked []string
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.Header.Get("X-Forwarded-Uri"))
		mu.Unlock()
		w.Header().Set("X-Weir-User", "alice")
	}))
	defer auth.Close()
	j := StartJupyter(t, base)
	caddy := StartCaddy(t)
	caddy.Load(t, []Route{{PathPrefix: base, Upstream: j.Addr,
		ForwardAuth: strings.TrimPrefix(auth.URL, "http://"), AuthURI: "/_weir/auth", CopyHeaders: []string{"X-Weir-User"}}})

	ctx, cancel := context.WithTimeout(Chromium(t), 2*time.Minute)
	defer cancel()
	defer func() {
		if t.Failed() {
			Screenshot(t, ctx, "failed")
		}
	}()

	if err := chromedp.Do(ctx, chromedp.Navigate(caddy.URL+base+"notebooks/Untitled.ipynb")); err != nil {
		t.Fatalf("open the notebook: %v", err)
	}
	// The kernel is connected once its WebSocket is open.
	wsURL, err := chromedp.Run(ctx, chromedp.Poll[string](
		`window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected() && Jupyter.notebook.kernel.ws.url`,
		chromedp.WithPollingInterval(200*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second)))
	if err != nil {
		t.Fatalf("the kernel did not connect: %v", err)
	}
	if want := "ws://" + caddy.Addr + base + "api/kernels/"; !strings.HasPrefix(wsURL, want) {
		t.Fatalf("kernel WebSocket %s, want one through Caddy (%s...)", wsURL, want)
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`Jupyter.notebook.execute_all_cells()`)); err != nil {
		t.Fatalf("run the cell: %v", err)
	}
	out, err := chromedp.Run(ctx, chromedp.Poll[string](
		`(document.querySelector('.output_subarea.output_stream pre') || {}).innerText`,
		chromedp.WithPollingInterval(200*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second)))
	if err != nil {
		t.Fatalf("no output from the cell: %v", err)
	}
	if strings.TrimSpace(out) != "42" {
		t.Fatalf("cell output %q, want 42", out)
	}
	Screenshot(t, ctx, "notebook-ran-cell")

	mu.Lock()
	defer mu.Unlock()
	wsPath := strings.TrimPrefix(wsURL, "ws://"+caddy.Addr)
	if !slices.Contains(asked, wsPath) {
		t.Fatalf("the auth server was not asked about the WebSocket %s; it saw %q", wsPath, asked)
	}
}
