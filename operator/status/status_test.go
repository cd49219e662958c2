package status_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/manager"
	"github.com/weir-dev/weir/operator/status"
)

var (
	k8s client.Client
	rec = &recorder{}
)

// recorder keeps the body of every status write the client makes.
type recorder struct {
	next   http.RoundTripper
	mu     sync.Mutex
	writes []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet && strings.HasSuffix(req.URL.Path, "/status") {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		r.mu.Lock()
		r.writes = append(r.writes, req.Method+" "+string(body))
		r.mu.Unlock()
	}
	return r.next.RoundTrip(req)
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.writes
	r.writes = nil
	return out
}

func TestMain(m *testing.M) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		println("KUBEBUILDER_ASSETS is not set: KUBEBUILDER_ASSETS=$(hack/control-plane.sh) go test ./operator/status/")
		os.Exit(1)
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		panic(err)
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { rec.next = rt; return rec })
	if k8s, err = client.New(cfg, client.Options{Scheme: manager.Scheme()}); err != nil {
		panic(err)
	}
	code := m.Run()
	_ = env.Stop()
	os.Exit(code)
}

func newRun(t *testing.T, name string) *runsv1.Run {
	t.Helper()
	run := &runsv1.Run{}
	if err := yaml.UnmarshalStrict([]byte(`
metadata: {name: `+name+`, namespace: default, labels: {app: a}}
spec: {runs: [{postgresql: {host: db, user: u}}]}`), run); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Create(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	return run
}

func TestPatchWritesStatusOnlyWhenChanged(t *testing.T) {
	ctx := context.Background()
	run := newRun(t, "changed")
	rec.take()

	orig := run.DeepCopy()
	run.Status.Phase = runsv1.PhaseRunning
	status.SetCondition(run, &run.Status.Conditions, metav1.Condition{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Running", Message: "m"})
	// Metadata that moved on locally is not the status writer's to send.
	run.Labels["app"] = "b"
	wrote, err := status.Patch(ctx, k8s, run, orig)
	if err != nil || !wrote {
		t.Fatalf("Patch = %v, %v; want a write", wrote, err)
	}
	writes := rec.take()
	if len(writes) != 1 || !strings.HasPrefix(writes[0], http.MethodPatch+" ") {
		t.Fatalf("writes = %q, want one PATCH", writes)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(strings.TrimPrefix(writes[0], "PATCH ")), &body); err != nil {
		t.Fatal(err)
	}
	if len(body) != 1 || body["status"] == nil {
		t.Errorf("patch %s: want status alone", writes[0])
	}

	got := &runsv1.Run{}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(run), got); err != nil {
		t.Fatal(err)
	}
	c := meta.FindStatusCondition(got.Status.Conditions, "Ready")
	if got.Status.Phase != runsv1.PhaseRunning || c == nil || c.Message != "m" {
		t.Errorf("stored status = %+v", got.Status)
	}
	if got.Status.ObservedGeneration != got.Generation || c.ObservedGeneration != got.Generation || got.Generation == 0 {
		t.Errorf("observedGeneration: status %d, condition %d, want %d", got.Status.ObservedGeneration, c.ObservedGeneration, got.Generation)
	}
	if got.Labels["app"] != "a" {
		t.Errorf("label app = %q: the status writer changed metadata", got.Labels["app"])
	}

	// The same status again (a fresh read, the condition set anew, its
	// transition time kept) is no write at all.
	orig = got.DeepCopy()
	got.Status.Phase = runsv1.PhaseRunning
	status.SetCondition(got, &got.Status.Conditions, metav1.Condition{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Running", Message: "m"})
	if wrote, err := status.Patch(ctx, k8s, got, orig); err != nil || wrote {
		t.Errorf("unchanged: Patch = %v, %v; want no write", wrote, err)
	}
	if w := rec.take(); len(w) != 0 {
		t.Errorf("unchanged status made writes %q", w)
	}
}

func TestPatchMergesConditionsByType(t *testing.T) {
	ctx := context.Background()
	run := newRun(t, "merge")
	orig := run.DeepCopy()
	status.SetCondition(run, &run.Status.Conditions, metav1.Condition{Type: "Valid", Status: metav1.ConditionTrue, Reason: "PolicyAllowed"})
	status.SetCondition(run, &run.Status.Conditions, metav1.Condition{Type: "Ready", Status: metav1.ConditionFalse, Reason: "JobFailed"})
	if _, err := status.Patch(ctx, k8s, run, orig); err != nil {
		t.Fatal(err)
	}

	orig = run.DeepCopy()
	status.SetCondition(run, &run.Status.Conditions, metav1.Condition{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Succeeded"})
	if _, err := status.Patch(ctx, k8s, run, orig); err != nil {
		t.Fatal(err)
	}
	got := &runsv1.Run{}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(run), got); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, c := range got.Status.Conditions {
		types = append(types, c.Type+"="+string(c.Status)+"/"+c.Reason)
	}
	slices.Sort(types)
	if want := []string{"Ready=True/Succeeded", "Valid=True/PolicyAllowed"}; !slices.Equal(types, want) {
		t.Errorf("conditions = %v, want %v", types, want)
	}
}

func TestPatchIgnoresAGoneObject(t *testing.T) {
	ctx := context.Background()
	run := newRun(t, "gone")
	if err := k8s.Delete(ctx, run); err != nil {
		t.Fatal(err)
	}
	orig := run.DeepCopy()
	run.Status.Phase = runsv1.PhaseFailed
	if wrote, err := status.Patch(ctx, k8s, run, orig); err != nil || wrote {
		t.Errorf("Patch of a deleted Run = %v, %v; want false, nil", wrote, err)
	}
}

func TestPatchRefusesAnObjectWithoutStatus(t *testing.T) {
	cm := &corev1.ConfigMap{}
	_, err := status.Patch(context.Background(), k8s, cm, cm.DeepCopy())
	if err == nil || !strings.Contains(err.Error(), "*v1.ConfigMap has no Status field") {
		t.Errorf("err = %v", err)
	}
}

func TestIsNew(t *testing.T) {
	before := []metav1.Condition{{Type: "Ready", Status: metav1.ConditionFalse, Reason: "A", Message: "m"}}
	for _, tc := range []struct {
		c    metav1.Condition
		want bool
	}{
		{metav1.Condition{Type: "Ready", Status: metav1.ConditionFalse, Reason: "A", Message: "m"}, false},
		{metav1.Condition{Type: "Ready", Status: metav1.ConditionFalse, Reason: "B", Message: "m"}, true},
		{metav1.Condition{Type: "Ready", Status: metav1.ConditionFalse, Reason: "A", Message: "n"}, true},
		{metav1.Condition{Type: "Valid", Status: metav1.ConditionTrue, Reason: "A", Message: "m"}, true},
	} {
		if got := status.IsNew(before, tc.c); got != tc.want {
			t.Errorf("IsNew(%+v) = %v, want %v", tc.c, got, tc.want)
		}
	}
}
