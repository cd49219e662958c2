//go:build e2e

package observability

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/test/kwok"
)

const templateName = "observability"

// stage installs the CRDs, a WorkspaceTemplate, room for Services and a
// SourcePlugin whose module cannot be fetched (a plugin not Ready).
func stage(t *testing.T, c *kwok.Cluster) {
	t.Helper()
	c.ApplyCRDs(t, c.Root+"/config/crd/bases", "crd/runs.runs.marmotdata.io", "crd/workspaces.workspace.jupyter.org",
		"crd/workspacetemplates.workspace.jupyter.org", "crd/policybundles.policies.weir.dev", "crd/sourceplugins.plugins.weir.dev")
	c.EnsureNamespace(t, "weir-system")
	for _, ns := range []string{"team-a", "team-b"} {
		c.EnsureNamespace(t, ns)
	}
	c.KubectlStdin(t, `apiVersion: networking.k8s.io/v1
kind: ServiceCIDR
metadata: {name: weir-observability}
spec: {cidrs: ["10.96.0.0/16"]}
---
apiVersion: workspace.jupyter.org/v1alpha1
kind: WorkspaceTemplate
metadata: {name: `+templateName+`}
spec:
  displayName: Observability
  defaultImage: jupyter/minimal-notebook:latest
  allowedImages: [jupyter/minimal-notebook:latest]
  defaultResources:
    requests: {cpu: 10m, memory: 64Mi}
    limits: {memory: 128Mi}
  primaryStorage: {defaultSize: 1Gi, minSize: 100Mi, maxSize: 10Gi}
---
apiVersion: plugins.weir.dev/v1alpha1
kind: SourcePlugin
metadata: {name: unreachable}
spec:
  url: https://127.0.0.1:1/unreachable.wasm
  sha256: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
`, "apply", "-f", "-")
}

// generateLoad writes for d what a small team would, through the API
// server (so through Weir's webhooks): Runs (one in ten with a setting the
// source does not know), Workspaces, Runs deleted, forward-auth requests
// for workspaces the access server does not know. The rate varies over
// time so the graphs have a shape.
func generateLoad(t *testing.T, c *kwok.Cluster, m *kwok.Manager, d time.Duration) {
	t.Helper()
	ctx := context.Background()
	var created, refused, workspaces, deleted, auth int
	authCodes := map[int]int{}
	end := time.Now().Add(d)
	for i := 0; time.Now().Before(end); i++ {
		ns := []string{"team-a", "team-b"}[i%2]
		burst := 2 + (i/6)%4 // 2..5 Runs per tick, in waves
		for j := 0; j < burst; j++ {
			n := i*10 + j
			src := fmt.Sprintf(`{"postgresql":{"host":"db-%d.example.com","port":5432,"database":"app","user":"readonly"}}`, n)
			if n%10 == 9 {
				src = `{"postgresql":{"host":"db.example.com","port":5432,"database":"app","user":"readonly","unknown_setting":true}}`
			}
			r := &runsv1.Run{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("run-%05d", n), Namespace: ns},
				Spec: runsv1.RunSpec{Runs: []runtime.RawExtension{{Raw: []byte(src)}}}}
			if n%3 == 0 {
				r.Spec.Schedule = "0 0 1 1 *"
			}
			if err := c.Admin.Create(ctx, r); err != nil {
				refused++
			} else {
				created++
			}
		}
		if i%3 == 0 {
			ws := &wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("ws-%04d", i), Namespace: ns},
				Spec: wsv1.WorkspaceSpec{DisplayName: fmt.Sprintf("Workspace %d", i), TemplateRef: templateName, DesiredStatus: wsv1.DesiredRunning}}
			if err := c.Admin.Create(ctx, ws); err == nil {
				workspaces++
			}
		}
		if i%4 == 3 {
			// An older Run goes, without a teardown (no Marmot here).
			old := &runsv1.Run{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("run-%05d", (i-3)*10), Namespace: []string{"team-a", "team-b"}[(i-3)%2]}}
			patch := client.RawPatch("application/merge-patch+json", []byte(`{"metadata":{"annotations":{"runs.marmotdata.io/skip-teardown":"true"}}}`))
			if c.Admin.Patch(ctx, old, patch) == nil && c.Admin.Delete(ctx, old) == nil {
				deleted++
			}
		}
		for k := 0; k < 1+i%5; k++ {
			req, _ := http.NewRequest(http.MethodGet, "http://"+m.AccessAddr+"/_weir/auth", nil)
			req.Header.Set("X-Forwarded-Method", http.MethodGet)
			req.Header.Set("X-Forwarded-Proto", "https")
			req.Header.Set("X-Forwarded-Host", "ide.observability.test")
			req.Header.Set("X-Forwarded-Uri", fmt.Sprintf("/workspaces/%s/ws-%04d/lab", ns, i/3*3))
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
				authCodes[resp.StatusCode]++
				auth++
			}
		}
		time.Sleep(5 * time.Second)
	}
	t.Logf("load over %s: %d Runs created, %d refused, %d Workspaces, %d Runs deleted, %d forward-auth requests (by status: %v)",
		d, created, refused, workspaces, deleted, auth, authCodes)
	if created == 0 || workspaces == 0 {
		t.Fatalf("the load created %d Runs and %d Workspaces: the manager's log says why", created, workspaces)
	}
}
