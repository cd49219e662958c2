package manager

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/go-logr/logr/funcr"
	"k8s.io/client-go/rest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// The same policy warning, echoed on each of Weir's writes to a Run, is
// logged once; another warning is still logged.
func TestAPIWarningsAreLoggedOnce(t *testing.T) {
	var out bytes.Buffer
	log := funcr.New(func(prefix, args string) { out.WriteString(args + "\n") }, funcr.Options{})
	ctx := ctrllog.IntoContext(context.Background(), log)

	h := withWarningLog(&rest.Config{Host: "https://127.0.0.1:1"}).WarningHandlerWithContext
	if h == nil {
		t.Fatal("no warning handler set")
	}
	for range 3 {
		h.HandleWarningHeaderWithContext(ctx, 299, "", "spec.resources: set memory limits (policy acme.limits)")
	}
	h.HandleWarningHeaderWithContext(ctx, 299, "", "another warning")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "acme.limits") || !strings.Contains(lines[1], "another warning") {
		t.Fatalf("want each warning logged once, got:\n%s", out.String())
	}
}

// A handler the caller chose is kept.
func TestAPIWarningHandlerOfTheCallerIsKept(t *testing.T) {
	cfg := &rest.Config{WarningHandlerWithContext: rest.NoWarnings{}}
	if got := withWarningLog(cfg).WarningHandlerWithContext; got != (rest.NoWarnings{}) {
		t.Fatalf("handler replaced: %T", got)
	}
}
