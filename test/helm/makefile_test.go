package helm_test

import (
	"os/exec"
	"strings"
	"testing"
)

// `make help` prints the targets' descriptions as a user reads them: a
// description written $$KUBECONFIG (make's escape) shows as $KUBECONFIG.
func TestMakeHelp(t *testing.T) {
	cmd := exec.Command("make", "--no-print-directory", "help")
	cmd.Dir = repoRoot(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make help: %v\n%s", err, out)
	}
	help := string(out)
	if strings.Contains(help, "$$") {
		t.Errorf("make help shows make's $$ escape:\n%s", help)
	}
	var run string
	for _, l := range strings.Split(help, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "run" {
			run = l
		}
	}
	if !strings.Contains(run, "$KUBECONFIG") || !strings.Contains(run, "ALLOW_CLUSTER=1") {
		t.Errorf("make help's run line = %q, want it to name $KUBECONFIG and ALLOW_CLUSTER=1", run)
	}
}
