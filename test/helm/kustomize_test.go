package helm_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The kustomize configuration (config/) must declare the same webhooks as the
// chart, in namespace weir-system. These tests read the files directly; the
// kustomize build itself is TestKustomizeBuild.

var kustomizeHooks = hookSettings{
	failurePolicy: admissionregistrationv1.Fail, timeout: 5,
	excluded: []string{"kube-system", "weir-system"}, client: serviceClient("weir-system"),
}

// localHooks: the operator runs outside the cluster and the API server calls
// it on localhost. Their names are not the installed ones, so `make run` and
// an install on the same cluster never overwrite each other.
var localHooks = hookSettings{
	validating: "weir-local-validating", mutating: "weir-local-mutating",
	failurePolicy: admissionregistrationv1.Fail, timeout: 5,
	excluded: []string{"kube-system", "weir-system"},
	client: func(path string) admissionregistrationv1.WebhookClientConfig {
		return admissionregistrationv1.WebhookClientConfig{URL: ptr("https://localhost:9443" + path)}
	},
}

func readDocs(t *testing.T, rel ...string) []doc {
	t.Helper()
	var docs []doc
	for _, r := range rel {
		b, err := os.ReadFile(filepath.Join(repoRoot(t), r))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, splitDocs(t, string(b))...)
	}
	return docs
}

func TestKustomizeWebhookFiles(t *testing.T) {
	docs := readDocs(t, "config/webhook/manifests.yaml", "config/webhook/service.yaml")
	checkConfigurations(t, docs, kustomizeHooks)

	mgr := named[appsv1.Deployment](t, readDocs(t, "config/manager/manager.yaml"), "Deployment", "weir-manager")
	svc := named[corev1.Service](t, docs, "Service", webhookService)
	if svc.Namespace != "weir-system" || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 443 ||
		svc.Spec.Ports[0].TargetPort.String() != "webhook" {
		t.Errorf("Service %s = %s %+v, want 443 -> webhook in weir-system", webhookService, svc.Namespace, svc.Spec.Ports)
	}
	if !reflect.DeepEqual(svc.Spec.Selector, mgr.Spec.Selector.MatchLabels) {
		t.Errorf("Service selector %v does not select the manager (%v)", svc.Spec.Selector, mgr.Spec.Selector.MatchLabels)
	}

	local := readDocs(t, "config/webhook/local/manifests.yaml")
	if n := len(local); n != 2 {
		t.Errorf("config/webhook/local has %d documents, want the two configurations (%s)", n, kinds(local))
	}
	checkConfigurations(t, local, localHooks)
}

func TestKustomizeCertFiles(t *testing.T) {
	ss := readDocs(t, "config/webhook/selfsigned/secret.yaml", "config/webhook/selfsigned/rbac.yaml")
	s := named[corev1.Secret](t, ss, "Secret", webhookSecret)
	if s.Namespace != "weir-system" || s.Type != corev1.SecretTypeOpaque || len(s.Data)+len(s.StringData) != 0 {
		t.Errorf("Secret %s = %s %s %v, want an empty Opaque Secret in weir-system", webhookSecret, s.Namespace, s.Type, s.Data)
	}
	role := named[rbacv1.Role](t, ss, "Role", rotatorRole)
	wantRole := []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{webhookSecret}, Verbs: []string{"update"}},
	}
	if role.Namespace != "weir-system" || !reflect.DeepEqual(role.Rules, wantRole) {
		t.Errorf("Role %s = %s %+v, want %+v in weir-system", rotatorRole, role.Namespace, role.Rules, wantRole)
	}
	if cr := named[rbacv1.ClusterRole](t, ss, "ClusterRole", "weir-webhook-ca-injector"); !reflect.DeepEqual(cr.Rules, rotatorClusterRules) {
		t.Errorf("ClusterRole weir-webhook-ca-injector rules = %+v, want %+v", cr.Rules, rotatorClusterRules)
	}
	want := rbacv1.Subject{Kind: "ServiceAccount", Name: "weir-manager", Namespace: "weir-system"}
	for _, b := range []struct{ kind, name string }{{"RoleBinding", rotatorRole}, {"ClusterRoleBinding", "weir-webhook-ca-injector"}} {
		var subjects []rbacv1.Subject
		var ref rbacv1.RoleRef
		if b.kind == "RoleBinding" {
			rb := named[rbacv1.RoleBinding](t, ss, b.kind, b.name)
			subjects, ref = rb.Subjects, rb.RoleRef
		} else {
			crb := named[rbacv1.ClusterRoleBinding](t, ss, b.kind, b.name)
			subjects, ref = crb.Subjects, crb.RoleRef
		}
		if ref.Name != b.name || !reflect.DeepEqual(subjects, []rbacv1.Subject{want}) {
			t.Errorf("%s %s = %+v %+v, want %s bound to %+v", b.kind, b.name, ref, subjects, b.name, want)
		}
	}

	cm := readDocs(t, "config/certmanager/issuer.yaml", "config/certmanager/certificate.yaml")
	cert := unstructuredNamed(t, cm, "Certificate", "weir-webhook")
	if got, _, _ := unstructured.NestedString(cert.Object, "spec", "secretName"); got != webhookSecret {
		t.Errorf("Certificate secretName = %q, want %s", got, webhookSecret)
	}
	dns, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames")
	if w := []string{"weir-webhook", "weir-webhook.weir-system", "weir-webhook.weir-system.svc", "weir-webhook.weir-system.svc.cluster.local"}; !slices.Equal(dns, w) {
		t.Errorf("Certificate dnsNames = %q, want %q", dns, w)
	}
	issuer := unstructuredNamed(t, cm, "Issuer", "weir-selfsigned")
	ref, _, _ := unstructured.NestedMap(cert.Object, "spec", "issuerRef")
	if w := map[string]any{"name": issuer.GetName(), "kind": "Issuer", "group": "cert-manager.io"}; !reflect.DeepEqual(ref, w) {
		t.Errorf("Certificate issuerRef = %v, want %v", ref, w)
	}
	if cert.GetNamespace() != "weir-system" || issuer.GetNamespace() != "weir-system" {
		t.Errorf("Certificate and Issuer namespaces = %q, %q, want weir-system", cert.GetNamespace(), issuer.GetNamespace())
	}
}

// kubectlBin finds a kubectl for `kubectl kustomize`: $KUBECTL, the control
// plane binaries (make test-unit sets KUBEBUILDER_ASSETS), the ones cached
// under bin/k8s, then $PATH.
func kubectlBin(t *testing.T) string {
	t.Helper()
	if k := os.Getenv("KUBECTL"); k != "" {
		return k
	}
	for _, env := range []string{"KUBEBUILDER_ASSETS", "K8S_BIN"} {
		if d := os.Getenv(env); d != "" {
			if p := filepath.Join(d, "kubectl"); isExecutable(p) {
				return p
			}
		}
	}
	if m, _ := filepath.Glob(filepath.Join(repoRoot(t), "bin", "k8s", "*", "kubectl")); len(m) > 0 {
		return m[len(m)-1]
	}
	if p, err := exec.LookPath("kubectl"); err == nil {
		return p
	}
	t.Fatal("no kubectl to run kustomize: run `make test-helm` or `make test-unit`, or set KUBECTL")
	return ""
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

func kustomize(t *testing.T, dir string) []doc {
	t.Helper()
	cmd := exec.Command(kubectlBin(t), "kustomize", dir)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, stderr)
	}
	return splitDocs(t, string(out))
}

// useCertManager switches config/default to cert-manager the way its
// comments tell a user to: comment out [SELF-SIGNED] lines, uncomment
// [CERTMANAGER] ones.
func useCertManager(t *testing.T, kustomization string) string {
	t.Helper()
	var off, on int
	lines := strings.Split(kustomization, "\n")
	for i, l := range lines {
		indent := l[:len(l)-len(strings.TrimLeft(l, " "))]
		body := strings.TrimPrefix(l, indent)
		switch {
		case strings.Contains(l, "[SELF-SIGNED]") && strings.HasPrefix(body, "- "):
			lines[i] = indent + "# " + body
			off++
		case strings.Contains(l, "[CERTMANAGER]") && strings.HasPrefix(body, "# - "):
			lines[i] = indent + strings.TrimPrefix(body, "# ")
			on++
		}
	}
	if off != 2 || on != 5 {
		t.Fatalf("config/default/kustomization.yaml: switched %d [SELF-SIGNED] and %d [CERTMANAGER] lines, want 2 and 5", off, on)
	}
	return strings.Join(lines, "\n")
}

// `kubectl kustomize config/default` builds, in both certificate modes, and
// wires the webhooks to the manager.
func TestKustomizeBuild(t *testing.T) {
	kubectlBin(t) // skip early without one
	t.Run("self-signed", func(t *testing.T) {
		docs := kustomize(t, filepath.Join(repoRoot(t), "config", "default"))
		checkKustomized(t, docs, false)
	})
	t.Run("cert-manager", func(t *testing.T) {
		checkKustomized(t, kustomizeEdited(t, func(k string) string { return useCertManager(t, k) }), true)
	})
}

// kustomizeEdited builds a copy of config/default whose kustomization.yaml
// edit has changed.
func kustomizeEdited(t *testing.T, edit func(string) string) []doc {
	t.Helper()
	tmp := t.TempDir()
	if err := os.CopyFS(filepath.Join(tmp, "config"), os.DirFS(filepath.Join(repoRoot(t), "config"))); err != nil {
		t.Fatal(err)
	}
	k := filepath.Join(tmp, "config", "default", "kustomization.yaml")
	b, err := os.ReadFile(k)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(k, []byte(edit(string(b))), 0o644); err != nil {
		t.Fatal(err)
	}
	return kustomize(t, filepath.Join(tmp, "config", "default"))
}

// With `namespace:` added to config/default, as its comment says, nothing
// is left in weir-system: the webhooks leave the new namespace (not
// weir-system) out and call its Service; the certificate's names and the
// manager's flags follow it.
func TestKustomizeNamespace(t *testing.T) {
	kubectlBin(t)
	inNamespace := func(k string) string { return "namespace: team-ops\n" + k }
	hooks := hookSettings{failurePolicy: admissionregistrationv1.Fail, timeout: 5,
		excluded: []string{"kube-system", "team-ops"}, client: serviceClient("team-ops")}
	for _, tc := range []struct {
		name        string
		edit        func(string) string
		certManager bool
	}{
		{"self-signed", inNamespace, false},
		{"cert-manager", func(k string) string { return inNamespace(useCertManager(t, k)) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs := kustomizeEdited(t, tc.edit)
			v, m := checkConfigurations(t, docs, hooks)
			for _, d := range docs {
				if strings.Contains(string(d.raw), "weir-system") {
					t.Errorf("%s %s still names weir-system:\n%s", d.Kind, d.Name, d.raw)
				}
			}
			dep := named[appsv1.Deployment](t, docs, "Deployment", "weir-manager")
			if dep.Namespace != "team-ops" {
				t.Errorf("Deployment namespace = %q, want team-ops", dep.Namespace)
			}
			if !slices.ContainsFunc(dep.Spec.Template.Spec.Containers[0].Env, func(e corev1.EnvVar) bool {
				return e.Name == "POD_NAMESPACE" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.namespace"
			}) {
				t.Errorf("manager env has no POD_NAMESPACE from metadata.namespace, which its flags expand")
			}
			if !tc.certManager {
				return
			}
			for _, meta := range []metav1.ObjectMeta{v.ObjectMeta, m.ObjectMeta} {
				if got := meta.Annotations[injectCAFrom]; got != "team-ops/weir-webhook" {
					t.Errorf("%s %s = %q, want team-ops/weir-webhook", meta.Name, injectCAFrom, got)
				}
			}
			cert := unstructuredNamed(t, docs, "Certificate", "weir-webhook")
			dns, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames")
			if w := []string{"weir-webhook", "weir-webhook.team-ops", "weir-webhook.team-ops.svc", "weir-webhook.team-ops.svc.cluster.local"}; !slices.Equal(dns, w) {
				t.Errorf("Certificate dnsNames = %q, want %q", dns, w)
			}
		})
	}
}

func checkKustomized(t *testing.T, docs []doc, certManager bool) {
	t.Helper()
	v, m := checkConfigurations(t, docs, kustomizeHooks)
	for _, meta := range []metav1.ObjectMeta{v.ObjectMeta, m.ObjectMeta} {
		got, ok := meta.Annotations[injectCAFrom]
		if certManager && got != "weir-system/weir-webhook" {
			t.Errorf("%s %s = %q, want weir-system/weir-webhook", meta.Name, injectCAFrom, got)
		}
		if !certManager && ok {
			t.Errorf("%s has %s without cert-manager", meta.Name, injectCAFrom)
		}
	}
	named[corev1.Service](t, docs, "Service", webhookService)
	dep := named[appsv1.Deployment](t, docs, "Deployment", "weir-manager")
	c := dep.Spec.Template.Spec.Containers[0]
	checkPluginCache(t, dep, "1Gi")
	checkKustomizedRBAC(t, docs)
	checkKustomizedMetrics(t, docs, dep)
	common := []string{"--webhooks=true", "--webhook-port=9443", "--webhook-cert-dir=" + certDir, "--default-policies=true"}
	selfSigned := []string{
		"--webhook-certs=self-signed",
		"--webhook-secret=$(POD_NAMESPACE)/" + webhookSecret,
		"--webhook-dns-name=weir-webhook.$(POD_NAMESPACE).svc",
		"--validating-webhook-configuration=" + validatingConfig,
		"--mutating-webhook-configuration=" + mutatingConfig,
	}
	checkPodSecurity(t, dep)
	if certManager {
		checkArgs(t, c.Args, append(common, "--webhook-certs=external"))
		for _, a := range selfSigned {
			if slices.Contains(c.Args, a) {
				t.Errorf("args %q have %s with cert-manager", c.Args, a)
			}
		}
		if vol := checkCertVolume(t, dep, true); vol.Secret == nil || vol.Secret.SecretName != webhookSecret {
			t.Errorf("cert volume = %+v, want Secret %s", vol.VolumeSource, webhookSecret)
		}
		unstructuredNamed(t, docs, "Certificate", "weir-webhook")
		unstructuredNamed(t, docs, "Issuer", "weir-selfsigned")
		for _, d := range docs {
			if d.Kind == "Secret" || d.Name == rotatorRole || d.Name == "weir-webhook-ca-injector" {
				t.Errorf("rendered %s %s with cert-manager", d.Kind, d.Name)
			}
		}
	} else {
		checkArgs(t, c.Args, append(common, selfSigned...))
		if vol := checkCertVolume(t, dep, false); vol.EmptyDir == nil {
			t.Errorf("cert volume = %+v, want an emptyDir", vol.VolumeSource)
		}
		named[corev1.Secret](t, docs, "Secret", webhookSecret)
		named[rbacv1.Role](t, docs, "Role", rotatorRole)
		named[rbacv1.ClusterRole](t, docs, "ClusterRole", "weir-webhook-ca-injector")
		if n := count(docs, "Certificate") + count(docs, "Issuer"); n != 0 {
			t.Errorf("rendered %d cert-manager objects without cert-manager", n)
		}
	}
	checkWebhookPort(t, c, 9443)
}

// The manager's ClusterRole carries Weir's name, as the chart's does: the
// kubebuilder default "manager-role" is shared by every operator scaffolded
// with it, so installing Weir would overwrite (or be overwritten by) theirs.
func checkKustomizedRBAC(t *testing.T, docs []doc) {
	t.Helper()
	for _, d := range docs {
		if (d.Kind == "ClusterRole" || d.Kind == "Role") && !strings.HasPrefix(d.Name, "weir-") {
			t.Errorf("%s %q is not prefixed weir-: it would collide with other operators' objects", d.Kind, d.Name)
		}
	}
	role := named[rbacv1.ClusterRole](t, docs, "ClusterRole", "weir-manager")
	if len(role.Rules) == 0 {
		t.Errorf("ClusterRole weir-manager has no rules")
	}
	b := named[rbacv1.ClusterRoleBinding](t, docs, "ClusterRoleBinding", "weir-manager")
	want := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "weir-manager"}
	if b.RoleRef != want {
		t.Errorf("ClusterRoleBinding weir-manager roleRef = %+v, want %+v", b.RoleRef, want)
	}
}

// A metrics Service, like the chart's, in front of the manager's metrics port.
func checkKustomizedMetrics(t *testing.T, docs []doc, dep appsv1.Deployment) {
	t.Helper()
	checkMetrics(t, docs, "weir-metrics", "weir-metrics-reader")
	svc := named[corev1.Service](t, docs, "Service", "weir-metrics")
	if svc.Namespace != "weir-system" {
		t.Errorf("Service weir-metrics namespace = %s, want weir-system", svc.Namespace)
	}
	if !reflect.DeepEqual(svc.Spec.Selector, dep.Spec.Selector.MatchLabels) {
		t.Errorf("Service weir-metrics selector %v does not select the manager (%v)", svc.Spec.Selector, dep.Spec.Selector.MatchLabels)
	}
	ports := dep.Spec.Template.Spec.Containers[0].Ports
	if !slices.ContainsFunc(ports, func(p corev1.ContainerPort) bool { return p.Name == "metrics" && p.ContainerPort == 8080 }) {
		t.Errorf("manager ports %+v have no metrics port 8080", ports)
	}
	// The access server, on the manager's default --access-bind-address.
	access := named[corev1.Service](t, docs, "Service", "weir-access")
	if access.Namespace != "weir-system" || !reflect.DeepEqual(access.Spec.Selector, dep.Spec.Selector.MatchLabels) ||
		len(access.Spec.Ports) != 1 || access.Spec.Ports[0].Port != 8090 || access.Spec.Ports[0].TargetPort.String() != "access" {
		t.Errorf("Service weir-access = %+v, want weir-system, 8090 -> access of the manager", access)
	}
	if !slices.ContainsFunc(ports, func(p corev1.ContainerPort) bool { return p.Name == "access" && p.ContainerPort == 8090 }) {
		t.Errorf("manager ports %+v have no access port 8090", ports)
	}
}
