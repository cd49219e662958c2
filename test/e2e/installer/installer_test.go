//go:build e2e

// Package installer checks `make build-installer`'s one-file install on a
// kwok cluster (test/kwok) with the real kubectl, as a platform team would
// use it: kubectl apply -f dist/install.yaml, then kubectl delete -f.
package installer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/weir-dev/weir/test/kwok"
	"github.com/weir-dev/weir/test/realparts"
)

const (
	// img is what the installer must run everywhere: not the default, so a
	// target that ignores IMG fails.
	img = "registry.example.com/platform/weir:installer-e2e"
	ns  = "weir-system"
)

func TestBuildInstallerAppliesAndDeletes(t *testing.T) {
	if os.Getenv("K8S_BIN") == "" {
		t.Fatal("K8S_BIN is not set: K8S_BIN=$(hack/control-plane.sh)")
	}
	root := realparts.RepoRoot(t)
	dist := t.TempDir()
	build := exec.Command("make", "-C", root, "--no-print-directory", "build-installer", "IMG="+img, "DIST="+dist)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("make build-installer: %v\n%s", err, out)
	}
	installer := filepath.Join(dist, "install.yaml")
	objs := readObjects(t, installer)

	c := kwok.Up(t, "weir-installer", kwok.Options{})
	// As docs/install.md says: one kubectl apply of the file.
	c.Kubectl(t, "apply", "-f", installer)

	var crds []string
	groups := map[string]bool{} // Weir's API groups, of its CRDs
	for _, o := range objs {
		if o.GetKind() == "CustomResourceDefinition" {
			crds = append(crds, "crd/"+o.GetName())
			g, _, _ := unstructured.NestedString(o.Object, "spec", "group")
			groups[g] = true
		}
	}
	if len(crds) < 8 {
		t.Fatalf("install.yaml has %d CRDs (%v), want every one of config/crd", len(crds), crds)
	}
	c.Kubectl(t, append([]string{"wait", "--for=condition=Established", "--timeout=60s"}, crds...)...)

	var dep appsv1.Deployment
	get(t, c.Admin, ns, "weir-manager", &dep)
	manager := container(t, dep.Spec.Template.Spec, "manager")
	if manager.Image != img {
		t.Errorf("manager image %q, want IMG %q", manager.Image, img)
	}
	if !slices.Contains(manager.Args, "--image="+img) {
		t.Errorf("manager args %v lack --image=%s: ingestion pods would run another image", manager.Args, img)
	}
	// kwok runs the pod: it was admitted under weir-system's restricted profile.
	c.Kubectl(t, "rollout", "status", "-n", ns, "deployment/weir-manager", "--timeout=120s")
	if ev := c.Kubectl(t, "get", "events", "-n", ns, "--field-selector", "reason=FailedCreate", "-o", "name"); strings.TrimSpace(ev) != "" {
		t.Errorf("FailedCreate events in %s: %s", ns, c.Kubectl(t, "get", "events", "-n", ns, "--field-selector", "reason=FailedCreate"))
	}

	var sa corev1.ServiceAccount
	get(t, c.Admin, ns, dep.Spec.Template.Spec.ServiceAccountName, &sa)
	var binding rbacv1.ClusterRoleBinding
	get(t, c.Admin, "", "weir-manager", &binding)
	if !slices.ContainsFunc(binding.Subjects, func(s rbacv1.Subject) bool {
		return s.Kind == "ServiceAccount" && s.Name == sa.Name && s.Namespace == ns
	}) {
		t.Errorf("ClusterRoleBinding weir-manager binds %v, not the manager's ServiceAccount %s/%s", binding.Subjects, ns, sa.Name)
	}
	var role rbacv1.ClusterRole
	get(t, c.Admin, "", binding.RoleRef.Name, &role)
	if len(role.Rules) == 0 {
		t.Errorf("ClusterRole %s has no rules", role.Name)
	}

	var svc corev1.Service
	get(t, c.Admin, ns, "weir-webhook", &svc)
	checkService(t, svc, dep, manager)

	var validating admissionregistrationv1.ValidatingWebhookConfiguration
	get(t, c.Admin, "", "weir-validating", &validating)
	var mutating admissionregistrationv1.MutatingWebhookConfiguration
	get(t, c.Admin, "", "weir-mutating", &mutating)
	var hooks []hook
	for _, w := range validating.Webhooks {
		hooks = append(hooks, hook{w.Name, w.ClientConfig, w.FailurePolicy, w.NamespaceSelector, w.Rules})
	}
	for _, w := range mutating.Webhooks {
		hooks = append(hooks, hook{w.Name, w.ClientConfig, w.FailurePolicy, w.NamespaceSelector, w.Rules})
	}
	if len(hooks) == 0 {
		t.Fatal("the webhook configurations have no webhooks")
	}
	for _, h := range hooks {
		h.check(t, svc, groups)
	}

	c.Kubectl(t, "delete", "-f", installer, "--wait", "--timeout=180s")
	kwok.WaitFor(t, 60*time.Second, "every object of install.yaml gone", func() error {
		left := strings.TrimSpace(c.Kubectl(t, "get", "-f", installer, "--ignore-not-found", "-o", "name"))
		if left != "" {
			return errors.New("still there: " + strings.ReplaceAll(left, "\n", ", "))
		}
		return nil
	})
}

// hook is what the test reads of a validating or mutating webhook.
type hook struct {
	name     string
	client   admissionregistrationv1.WebhookClientConfig
	failure  *admissionregistrationv1.FailurePolicyType
	selector *metav1.LabelSelector
	rules    []admissionregistrationv1.RuleWithOperations
}

// check: the webhook calls the manager's Service, and a manager that is
// down (failurePolicy Fail) cannot lock anyone out: only Weir's own kinds,
// never in kube-system or the install namespace.
func (h hook) check(t *testing.T, svc corev1.Service, groups map[string]bool) {
	t.Helper()
	s := h.client.Service
	if s == nil || s.Name != svc.Name || s.Namespace != svc.Namespace {
		t.Errorf("webhook %s calls %+v (url %v), want the Service %s/%s", h.name, s, h.client.URL, svc.Namespace, svc.Name)
	} else if port := int32(443); (s.Port != nil && *s.Port != port) || !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Port == port }) {
		t.Errorf("webhook %s calls port %v of %s, which does not serve 443", h.name, s.Port, svc.Name)
	}
	for _, r := range h.rules {
		for _, g := range r.APIGroups {
			if !groups[g] {
				t.Errorf("webhook %s covers API group %q, not one of Weir's CRDs %v: a dead manager would block it", h.name, g, groups)
			}
		}
	}
	if h.failure != nil && *h.failure == admissionregistrationv1.Ignore {
		return
	}
	sel, err := metav1.LabelSelectorAsSelector(h.selector)
	if err != nil || h.selector == nil {
		t.Errorf("webhook %s (failurePolicy Fail): namespaceSelector %v: %v; it must leave out kube-system and %s", h.name, h.selector, err, ns)
		return
	}
	for _, n := range []string{"kube-system", ns} {
		if sel.Matches(labels.Set{corev1.LabelMetadataName: n}) {
			t.Errorf("webhook %s (failurePolicy Fail) selects namespace %s (%s): a dead manager would lock it", h.name, n, sel)
		}
	}
}

// checkService: the webhook Service selects the manager's pods and targets
// the port the manager serves its webhooks on.
func checkService(t *testing.T, svc corev1.Service, dep appsv1.Deployment, manager corev1.Container) {
	t.Helper()
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(dep.Spec.Template.Labels)) || len(svc.Spec.Selector) == 0 {
		t.Errorf("Service %s selects %v, not the manager's pods %v", svc.Name, svc.Spec.Selector, dep.Spec.Template.Labels)
	}
	for _, p := range svc.Spec.Ports {
		if p.Port != 443 {
			continue
		}
		i := slices.IndexFunc(manager.Ports, func(cp corev1.ContainerPort) bool {
			return cp.Name == p.TargetPort.String() || fmt.Sprint(cp.ContainerPort) == p.TargetPort.String()
		})
		if i < 0 {
			t.Errorf("Service %s port 443 targets %s, which the manager does not expose (%v)", svc.Name, p.TargetPort.String(), manager.Ports)
		} else if want := fmt.Sprintf("--webhook-port=%d", manager.Ports[i].ContainerPort); !slices.Contains(manager.Args, want) {
			t.Errorf("Service %s targets container port %d, but the manager's args %v lack %s", svc.Name, manager.Ports[i].ContainerPort, manager.Args, want)
		}
		return
	}
	t.Errorf("Service %s has no port 443: %v", svc.Name, svc.Spec.Ports)
}

func get(t *testing.T, c client.Client, namespace, name string, obj client.Object) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, obj); err != nil {
		t.Fatalf("%T %s/%s from install.yaml: %v", obj, namespace, name, err)
	}
}

func container(t *testing.T, spec corev1.PodSpec, name string) corev1.Container {
	t.Helper()
	for _, c := range spec.Containers {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no container %q in the manager's pod", name)
	return corev1.Container{}
}

// readObjects parses the installer's YAML stream.
func readObjects(t *testing.T, path string) []unstructured.Unstructured {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	var objs []unstructured.Unstructured
	for {
		var o unstructured.Unstructured
		if err := dec.Decode(&o.Object); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(o.Object) > 0 {
			objs = append(objs, o)
		}
	}
	if len(objs) == 0 {
		t.Fatalf("%s is empty", path)
	}
	return objs
}
