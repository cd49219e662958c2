package realparts

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is Debian's Chromium.
const ChromiumPath = "/usr/bin/chromium"

// Chromium starts a headless Chromium with a private profile and returns a
// chromedp context for one tab; it is closed in t.Cleanup. The page's
// console messages and uncaught exceptions are logged with t.Logf. Bound
// the test's waits with context.WithTimeout on the returned context.
func Chromium(t TB) context.Context {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		t.Fatalf("%s is missing: install Debian's chromium (apt-get install chromium; .ci/run does): %v", ChromiumPath, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(ChromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox, // root in CI containers
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)

	// Launch now, so a browser that cannot start fails here, not in the
	// test's first action.
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		t.Fatalf("start %s: %v", ChromiumPath, err)
	}
	// The page's console and uncaught exceptions, for debugging a failure.
	// t.Logf panics once the test has finished, and messages may still come
	// while the browser shuts down.
	var mu sync.Mutex
	done := false
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			mu.Lock()
			if !done {
				t.Logf("chromium console %s: %s", m.Type, m.Text)
			}
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		done = true
		mu.Unlock()
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// ArtifactsDir is where a test's screenshots go: $WEIR_ARTIFACTS/<test>
// or bin/artifacts/<test> at the repository root.
func ArtifactsDir(t TB) string {
	t.Helper()
	base := os.Getenv("WEIR_ARTIFACTS")
	if base == "" {
		base = filepath.Join(RepoRoot(t), "bin", "artifacts")
	}
	dir := filepath.Join(base, unsafeName.ReplaceAllString(t.Name(), "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts directory: %v", err)
	}
	return dir
}

// Screenshot saves the tab's viewport as <ArtifactsDir>/<name>.png and logs
// the path. It works after ctx's deadline has passed (the tab lives until
// the test's clean-up), so a test can take one when a wait timed out.
func Screenshot(t TB, ctx context.Context, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(ArtifactsDir(t), unsafeName.ReplaceAllString(name, "_")+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	t.Logf("screenshot: %s", path)
	return path
}
