package related_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/related"
)

// k8s reads and writes through a real API server: the resolvers read what
// it returns, as they read the manager's cache.
var k8s client.Client

func TestMain(m *testing.M) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		fmt.Fprintln(os.Stderr, "KUBEBUILDER_ASSETS is not set: run `make test`, or KUBEBUILDER_ASSETS=$(hack/control-plane.sh) go test ./operator/related/")
		os.Exit(1)
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "envtest:", err)
		os.Exit(1)
	}
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(runsv1.AddToScheme(s))
	utilruntime.Must(wsv1.AddToScheme(s))
	if k8s, err = client.New(cfg, client.Options{Scheme: s}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "envtest stop:", err)
	}
	os.Exit(code)
}

func newNamespace(t *testing.T, labels map[string]string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "related-", Labels: labels}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

func TestWorkspaceTemplateFound(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, map[string]string{"team": "a"})
	maxCPU := resource.MustParse("2")
	tmpl := &wsv1.WorkspaceTemplate{ObjectMeta: metav1.ObjectMeta{GenerateName: "tmpl-"},
		Spec: wsv1.WorkspaceTemplateSpec{DefaultImage: "jupyter/minimal-notebook:latest",
			AllowedImages:  []string{"jupyter/minimal-notebook:latest"},
			ResourceBounds: &wsv1.ResourceBounds{CPU: &wsv1.ResourceRange{Max: &maxCPU}}}}
	if err := k8s.Create(ctx, tmpl); err != nil {
		t.Fatal(err)
	}
	// As read from the cache: typed, without apiVersion and kind.
	ws := &wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "ws", Namespace: ns},
		Spec: wsv1.WorkspaceSpec{TemplateRef: tmpl.Name}}
	got, err := related.For(ctx, k8s, ws)
	if err != nil {
		t.Fatal(err)
	}
	tm, ok := got["template"].(map[string]any)
	if !ok {
		t.Fatalf("related = %v, want a template", got)
	}
	u := unstructured.Unstructured{Object: tm}
	if u.GetAPIVersion() != "workspace.jupyter.org/v1alpha1" || u.GetKind() != "WorkspaceTemplate" || u.GetName() != tmpl.Name ||
		u.GetUID() != tmpl.UID || len(u.GetManagedFields()) != 0 {
		t.Errorf("related.template = %s %s %s uid %s (%d managedFields), want the whole %s without managedFields",
			u.GetAPIVersion(), u.GetKind(), u.GetName(), u.GetUID(), len(u.GetManagedFields()), tmpl.Name)
	}
	if v, _, _ := unstructured.NestedString(tm, "spec", "resourceBounds", "cpu", "max"); v != "2" {
		t.Errorf("related.template.spec.resourceBounds.cpu.max = %q, want 2", v)
	}
	if v, _, _ := unstructured.NestedStringSlice(tm, "spec", "allowedImages"); len(v) != 1 {
		t.Errorf("related.template.spec.allowedImages = %q", v)
	}
	if v, _, _ := unstructured.NestedString(got, "namespace", "metadata", "labels", "team"); v != "a" {
		t.Errorf("related.namespace labels.team = %q, want a (related = %v)", v, got)
	}
}

func TestWorkspaceTemplateNotFound(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, nil)
	for _, ref := range []string{"no-such-template", ""} {
		ws := &unstructured.Unstructured{}
		ws.SetGroupVersionKind(wsv1.GroupVersion.WithKind("Workspace"))
		ws.SetNamespace(ns)
		ws.SetName("ws")
		if ref != "" {
			_ = unstructured.SetNestedField(ws.Object, ref, "spec", "templateRef")
		}
		got, err := related.For(ctx, k8s, ws)
		if err != nil {
			t.Fatalf("templateRef %q: %v", ref, err)
		}
		if _, ok := got["template"]; ok {
			t.Errorf("templateRef %q: related.template = %v, want it absent", ref, got["template"])
		}
		if _, ok := got["namespace"]; !ok {
			t.Errorf("templateRef %q: related = %v, want the namespace", ref, got)
		}
	}
}

// A Run has its Namespace only; a cluster-scoped template nothing.
func TestOtherKinds(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, map[string]string{"team": "b"})
	got, err := related.For(ctx, k8s, &runsv1.Run{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: ns}})
	if err != nil {
		t.Fatal(err)
	}
	if v, _, _ := unstructured.NestedString(got, "namespace", "metadata", "name"); v != ns || len(got) != 1 {
		t.Errorf("a Run's related = %v, want only namespace %s", got, ns)
	}
	got, err = related.For(ctx, k8s, &wsv1.WorkspaceTemplate{ObjectMeta: metav1.ObjectMeta{Name: "t"}})
	if err != nil || len(got) != 0 {
		t.Errorf("a WorkspaceTemplate's related = %v, %v, want nothing", got, err)
	}
}

// A WorkspaceShare gets the Workspace it names in its own namespace, whole
// (uid and owner annotation included); none when it does not exist there.
func TestWorkspaceShareWorkspace(t *testing.T) {
	ctx := context.Background()
	ns, other := newNamespace(t, nil), newNamespace(t, nil)
	ws := &wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "ws", Namespace: ns,
		Annotations: map[string]string{wsv1.AnnotationCreatedBy: "alice"}},
		Spec: wsv1.WorkspaceSpec{Image: "jupyter/minimal-notebook:latest"}}
	if err := k8s.Create(ctx, ws); err != nil {
		t.Fatal(err)
	}
	share := &wsv1.WorkspaceShare{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: ns},
		Spec: wsv1.WorkspaceShareSpec{WorkspaceName: "ws"}}
	got, err := related.For(ctx, k8s, share)
	if err != nil {
		t.Fatal(err)
	}
	w, ok := got["workspace"].(map[string]any)
	if !ok {
		t.Fatalf("related = %v, want a workspace", got)
	}
	u := unstructured.Unstructured{Object: w}
	if u.GetAPIVersion() != "workspace.jupyter.org/v1alpha1" || u.GetKind() != "Workspace" || u.GetName() != "ws" ||
		u.GetUID() != ws.UID || u.GetAnnotations()[wsv1.AnnotationCreatedBy] != "alice" || len(u.GetManagedFields()) != 0 {
		t.Errorf("related.workspace = %s %s %s uid %s annotations %v (%d managedFields), want the whole Workspace without managedFields",
			u.GetAPIVersion(), u.GetKind(), u.GetName(), u.GetUID(), u.GetAnnotations(), len(u.GetManagedFields()))
	}
	if _, ok := got["namespace"]; !ok {
		t.Errorf("related = %v, want the namespace too", got)
	}

	for _, s := range []*wsv1.WorkspaceShare{
		{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: other}, Spec: wsv1.WorkspaceShareSpec{WorkspaceName: "ws"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: ns}, Spec: wsv1.WorkspaceShareSpec{WorkspaceName: "nope"}},
	} {
		got, err := related.For(ctx, k8s, s)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := got["workspace"]; ok {
			t.Errorf("share of %s/%s: related.workspace = %v, want it absent", s.Namespace, s.Spec.WorkspaceName, got["workspace"])
		}
	}
}

// A Workspace with executionProfileRef gets the profile of its namespace.
func TestWorkspaceExecutionProfile(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, nil)
	p := &wsv1.WorkspaceExecutionProfile{ObjectMeta: metav1.ObjectMeta{Name: "reader", Namespace: ns},
		Spec: wsv1.WorkspaceExecutionProfileSpec{ServiceAccountName: "reader-sa"}}
	if err := k8s.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	ws := &wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "ws", Namespace: ns},
		Spec: wsv1.WorkspaceSpec{ExecutionProfileRef: "reader"}}
	got, err := related.For(ctx, k8s, ws)
	if err != nil {
		t.Fatal(err)
	}
	pm, ok := got["profile"].(map[string]any)
	if !ok {
		t.Fatalf("related = %v, want a profile", got)
	}
	u := unstructured.Unstructured{Object: pm}
	if sa, _, _ := unstructured.NestedString(pm, "spec", "serviceAccountName"); u.GetKind() != "WorkspaceExecutionProfile" ||
		u.GetAPIVersion() != "workspace.jupyter.org/v1alpha1" || u.GetName() != "reader" || u.GetUID() != p.UID || sa != "reader-sa" {
		t.Errorf("related.profile = %v", pm)
	}

	for _, ref := range []string{"missing", ""} {
		ws.Spec.ExecutionProfileRef = ref
		got, err := related.For(ctx, k8s, ws)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := got["profile"]; ok {
			t.Errorf("executionProfileRef %q: related.profile = %v, want it absent", ref, got["profile"])
		}
	}
}
