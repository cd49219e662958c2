package helm_test

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

const (
	clusterRole = "weir-cluster"       // rules on cluster-scoped resources
	rotatorRole = "weir-webhook-certs" // the self-signed rotator's Secret access
)

// clusterScoped mirrors weir.clusterScopedResources in _helpers.tpl: the
// resources (by name, without subresource) a Role cannot grant.
var clusterScoped = []string{
	"policybundles", "namespaces", "validatingwebhookconfigurations", "mutatingwebhookconfigurations", "sourceplugins", "workspacetemplates",
	"workspacemanagers", "ingressclasses", "subjectaccessreviews", "tokenreviews",
}

// chartManaged are the resources whose rules the chart writes itself.
var chartManaged = []string{"validatingwebhookconfigurations", "mutatingwebhookconfigurations"}

// rotatorClusterRules are what the self-signed rotator needs cluster-wide:
// watch every webhook configuration, update only the release's two.
var rotatorClusterRules = []rbacv1.PolicyRule{
	{
		APIGroups: []string{"admissionregistration.k8s.io"},
		Resources: []string{"validatingwebhookconfigurations", "mutatingwebhookconfigurations"},
		Verbs:     []string{"get", "list", "watch"},
	},
	{
		APIGroups:     []string{"admissionregistration.k8s.io"},
		Resources:     []string{"validatingwebhookconfigurations", "mutatingwebhookconfigurations"},
		ResourceNames: []string{"weir-validating", "weir-mutating"},
		Verbs:         []string{"update"},
	},
}

// splitRoleFile is the test's own statement of how the chart distributes the
// rules of files/role.yaml: by scope, per resource, dropping chart-managed ones.
func splitRoleFile(rules []rbacv1.PolicyRule) (namespaced, cluster []rbacv1.PolicyRule) {
	for _, r := range rules {
		if len(r.NonResourceURLs) > 0 {
			cluster = append(cluster, r)
			continue
		}
		var n, c []string
		for _, res := range r.Resources {
			base, _, _ := strings.Cut(res, "/")
			switch {
			case slices.Contains(chartManaged, base):
			case slices.Contains(clusterScoped, base):
				c = append(c, res)
			default:
				n = append(n, res)
			}
		}
		if len(c) > 0 {
			rc := r
			rc.Resources = c
			cluster = append(cluster, rc)
		}
		if len(n) > 0 {
			rn := r
			rn.Resources = n
			namespaced = append(namespaced, rn)
		}
	}
	return namespaced, cluster
}

func isClusterScoped(resource string) bool {
	base, _, _ := strings.Cut(resource, "/")
	return slices.Contains(clusterScoped, base)
}

// checkNoClusterScoped fails on any rule a Role could not grant.
func checkNoClusterScoped(t *testing.T, what string, rules []rbacv1.PolicyRule) {
	t.Helper()
	for _, r := range rules {
		if len(r.NonResourceURLs) > 0 {
			t.Errorf("%s has a nonResourceURLs rule %+v", what, r)
		}
		for _, res := range r.Resources {
			if isClusterScoped(res) {
				t.Errorf("%s grants cluster-scoped %q", what, res)
			}
		}
	}
}

// checkOnlyClusterScoped fails on any rule on a namespaced resource.
func checkOnlyClusterScoped(t *testing.T, what string, rules []rbacv1.PolicyRule) {
	t.Helper()
	for _, r := range rules {
		for _, res := range r.Resources {
			if !isClusterScoped(res) {
				t.Errorf("%s grants namespaced %q", what, res)
			}
		}
	}
}

// checkBinding asserts a binding of the given kind and name binds the role of
// the same name to the manager's ServiceAccount in the release namespace.
func checkBinding(t *testing.T, docs []doc, kind, name, namespace, roleKind string, dep appsv1.Deployment) {
	t.Helper()
	var subjects []rbacv1.Subject
	var ref rbacv1.RoleRef
	var ns string
	if kind == "RoleBinding" {
		b := named[rbacv1.RoleBinding](t, docs, kind, name)
		subjects, ref, ns = b.Subjects, b.RoleRef, b.Namespace
	} else {
		b := named[rbacv1.ClusterRoleBinding](t, docs, kind, name)
		subjects, ref, ns = b.Subjects, b.RoleRef, b.Namespace
	}
	if ns != namespace {
		t.Errorf("%s %s namespace = %q, want %q", kind, name, ns, namespace)
	}
	if ref.Kind != roleKind || ref.Name != name || ref.APIGroup != rbacv1.GroupName {
		t.Errorf("%s %s roleRef = %+v, want %s %s", kind, name, ref, roleKind, name)
	}
	want := []rbacv1.Subject{{Kind: "ServiceAccount", Name: dep.Spec.Template.Spec.ServiceAccountName, Namespace: "weir"}}
	if !reflect.DeepEqual(subjects, want) {
		t.Errorf("%s %s subjects = %+v, want %+v", kind, name, subjects, want)
	}
}

// fixtureRole is a files/role.yaml as the markers will soon make it: rules
// on cluster-scoped kinds, a rule mixing both scopes, and the webhook
// configurations the chart grants itself.
const fixtureRole = `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: weir-manager
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [namespaces, pods]
  verbs: [get, list, watch]
- apiGroups: [admissionregistration.k8s.io]
  resources: [mutatingwebhookconfigurations, validatingwebhookconfigurations]
  verbs: [get, list, update, watch]
- apiGroups: [policies.weir.dev]
  resources: [policybundles]
  verbs: [get, list, watch]
- apiGroups: [policies.weir.dev]
  resources: [policybundles/status]
  verbs: [get, patch, update]
- apiGroups: [runs.marmotdata.io]
  resources: [runs]
  verbs: [get, list, watch]
`

// chartWithRole copies the chart to a temporary directory with role as its
// files/role.yaml.
func chartWithRole(t *testing.T, role string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "weir")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(repoRoot(t), chartDir))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "files", "role.yaml"), []byte(role), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Rules on cluster-scoped resources always go to the ClusterRole weir-cluster,
// namespaced ones to weir-manager (ClusterRole, or Role in watchNamespace); a
// mixed rule is split; the markers' webhook configuration rule is replaced by
// the chart's narrower one, and only in self-signed mode.
func TestRBACSplitByScope(t *testing.T) {
	dir := chartWithRole(t, fixtureRole)
	rw := []string{"get", "list", "watch"}
	wantNamespaced := []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: rw},
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: rw},
		{APIGroups: []string{"runs.marmotdata.io"}, Resources: []string{"runs"}, Verbs: rw},
	}
	wantCluster := []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: rw},
		{APIGroups: []string{"policies.weir.dev"}, Resources: []string{"policybundles"}, Verbs: rw},
		{APIGroups: []string{"policies.weir.dev"}, Resources: []string{"policybundles/status"}, Verbs: []string{"get", "patch", "update"}},
	}
	// The test's oracle must agree with the hand-written expectation.
	if n, c := splitRoleFile(decodeRole(t, fixtureRole)); !reflect.DeepEqual(n, wantNamespaced) || !reflect.DeepEqual(c, wantCluster) {
		t.Fatalf("splitRoleFile(fixture) = %+v, %+v", n, c)
	}
	for _, tc := range []struct {
		name        string
		args        []string
		watch       string
		wantRotator bool
	}{
		{"all namespaces", nil, "", true},
		{"watchNamespace", []string{"--set", "operator.watchNamespace=team-a"}, "team-a", true},
		{"cert-manager", []string{"--set", "certManager.enabled=true"}, "", false},
		{"watchNamespace cert-manager", []string{"--set", "operator.watchNamespace=team-a", "--set", "certManager.enabled=true"}, "team-a", false},
		{"webhooks disabled", []string{"--set", "webhooks.enabled=false", "--set", "operator.watchNamespace=team-a"}, "team-a", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs := renderChart(t, dir, tc.args...)
			dep := only[appsv1.Deployment](t, docs, "Deployment")
			var mgr []rbacv1.PolicyRule
			if tc.watch != "" {
				r := named[rbacv1.Role](t, docs, "Role", managerRole)
				if r.Namespace != tc.watch {
					t.Errorf("Role %s namespace = %q, want %q", managerRole, r.Namespace, tc.watch)
				}
				mgr = r.Rules
				checkBinding(t, docs, "RoleBinding", managerRole, tc.watch, "Role", dep)
				if n := count(docs, "ClusterRole") - 1; n != 1 { // and weir-metrics-reader
					t.Errorf("got %d ClusterRoles, want only %s (%s)", n, clusterRole, kinds(docs))
				}
			} else {
				mgr = named[rbacv1.ClusterRole](t, docs, "ClusterRole", managerRole).Rules
				checkBinding(t, docs, "ClusterRoleBinding", managerRole, "", "ClusterRole", dep)
			}
			if !reflect.DeepEqual(mgr, wantNamespaced) {
				t.Errorf("%s rules:\n got %+v\nwant %+v", managerRole, mgr, wantNamespaced)
			}
			checkNoClusterScoped(t, managerRole, mgr)

			want := slices.Clone(wantCluster)
			if tc.wantRotator {
				want = append(want, rotatorClusterRules...)
			}
			cr := named[rbacv1.ClusterRole](t, docs, "ClusterRole", clusterRole)
			if !reflect.DeepEqual(cr.Rules, want) {
				t.Errorf("%s rules:\n got %+v\nwant %+v", clusterRole, cr.Rules, want)
			}
			checkOnlyClusterScoped(t, clusterRole, cr.Rules)
			checkBinding(t, docs, "ClusterRoleBinding", clusterRole, "", "ClusterRole", dep)
		})
	}
}

func decodeRole(t *testing.T, s string) []rbacv1.PolicyRule {
	t.Helper()
	docs := splitDocs(t, s)
	return named[rbacv1.ClusterRole](t, docs, "ClusterRole", "weir-manager").Rules
}

// rolesRules are the rules of every Role and ClusterRole in docs, by
// "<Kind> <name>".
func rolesRules(t *testing.T, docs []doc) map[string][]rbacv1.PolicyRule {
	t.Helper()
	out := map[string][]rbacv1.PolicyRule{}
	for _, d := range docs {
		if d.Kind == "Role" || d.Kind == "ClusterRole" {
			var r rbacv1.ClusterRole // a Role's fields are the same
			if err := yaml.UnmarshalStrict(d.raw, &r); err != nil {
				t.Fatalf("decode %s %s: %v", d.Kind, d.Name, err)
			}
			out[d.Kind+" "+d.Namespace+"/"+d.Name] = r.Rules
		}
	}
	return out
}

// checkWebhookConfigWrites fails on any rule that lets the manager write a
// webhook configuration other than the two named: with update on every
// configuration, Weir could rewrite any admission webhook in the cluster.
// It returns whether update on the two was granted.
func checkWebhookConfigWrites(t *testing.T, what string, docs []doc, names ...string) bool {
	t.Helper()
	granted := false
	for role, rules := range rolesRules(t, docs) {
		for _, r := range rules {
			if !slices.ContainsFunc(r.Resources, func(res string) bool { return strings.HasSuffix(res, "webhookconfigurations") || res == "*" }) ||
				!slices.ContainsFunc(r.APIGroups, func(g string) bool { return g == "admissionregistration.k8s.io" || g == "*" }) {
				continue
			}
			writes := slices.ContainsFunc(r.Verbs, func(v string) bool { return !slices.Contains([]string{"get", "list", "watch"}, v) })
			if !writes {
				continue
			}
			if len(r.ResourceNames) == 0 || slices.ContainsFunc(r.ResourceNames, func(n string) bool { return !slices.Contains(names, n) }) {
				t.Errorf("%s: %s grants %v on webhook configurations %q, want only on %q", what, role, r.Verbs, r.ResourceNames, names)
				continue
			}
			granted = granted || slices.Contains(r.Verbs, "update")
		}
	}
	return granted
}

// Both installs, in both certificate modes, let the manager update only
// their own two webhook configurations (and, with cert-manager, none).
func TestWebhookConfigurationsWritableOnlyByName(t *testing.T) {
	for _, tc := range []struct {
		name        string
		args        []string
		wantRotator bool
	}{
		{"chart", nil, true},
		{"chart watchNamespace", []string{"--set", "operator.watchNamespace=team-a"}, true},
		{"chart cert-manager", []string{"--set", "certManager.enabled=true"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkWebhookConfigWrites(t, tc.name, render(t, tc.args...), validatingConfig, mutatingConfig); got != tc.wantRotator {
				t.Errorf("update on the two configurations granted = %v, want %v", got, tc.wantRotator)
			}
		})
	}
	t.Run("kustomize", func(t *testing.T) {
		docs := kustomize(t, filepath.Join(repoRoot(t), "config", "default"))
		if !checkWebhookConfigWrites(t, "config/default", docs, validatingConfig, mutatingConfig) {
			t.Errorf("config/default does not let the rotator update %s and %s", validatingConfig, mutatingConfig)
		}
	})
	t.Run("kustomize cert-manager", func(t *testing.T) {
		tmp := t.TempDir()
		if err := os.CopyFS(filepath.Join(tmp, "config"), os.DirFS(filepath.Join(repoRoot(t), "config"))); err != nil {
			t.Fatal(err)
		}
		k := filepath.Join(tmp, "config", "default", "kustomization.yaml")
		b, err := os.ReadFile(k)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(k, []byte(useCertManager(t, string(b))), 0o644); err != nil {
			t.Fatal(err)
		}
		if checkWebhookConfigWrites(t, "config/default with cert-manager", kustomize(t, filepath.Join(tmp, "config", "default")), validatingConfig, mutatingConfig) {
			t.Errorf("config/default with cert-manager grants update on webhook configurations, which nothing there updates")
		}
	})
}

// The last-good PolicyBundle specs are signed with a key in a Secret Weir
// creates in its own namespace: both installs let it create that Secret
// and read it by name there, even when its ClusterRole is replaced by
// per-namespace Roles (watchNamespaces).
func TestLastGoodKeySecretGranted(t *testing.T) {
	check := func(t *testing.T, docs []doc, ns string) {
		t.Helper()
		var create, get bool
		for role, rules := range rolesRules(t, docs) {
			if !strings.HasPrefix(role, "Role "+ns+"/") {
				continue
			}
			for _, r := range rules {
				if !slices.Contains(r.APIGroups, "") || !slices.Contains(r.Resources, "secrets") {
					continue
				}
				create = create || slices.Contains(r.Verbs, "create")
				get = get || (slices.Contains(r.Verbs, "get") && slices.Contains(r.ResourceNames, "weir-policybundle-lastgood-key"))
			}
		}
		if !create || !get {
			t.Errorf("a Role in %s grants create on secrets = %v, get on weir-policybundle-lastgood-key = %v; want both", ns, create, get)
		}
	}
	t.Run("chart", func(t *testing.T) { check(t, render(t), "weir") })
	t.Run("chart watchNamespaces", func(t *testing.T) {
		check(t, render(t, "--set", "operator.watchNamespaces={team-a}"), "weir")
	})
	t.Run("kustomize", func(t *testing.T) {
		check(t, kustomize(t, filepath.Join(repoRoot(t), "config", "default")), "weir-system")
	})
}

// Every cluster-scoped CRD the manager's role names is in clusterScoped (and
// so in the chart's weir.clusterScopedResources, which it mirrors): a
// namespaced install must not put its rules into per-namespace Roles, which
// cannot grant them.
func TestClusterScopedCRDsListed(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "config", "crd", "bases", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in config/crd/bases: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var crd struct {
			Spec struct {
				Scope string `json:"scope"`
				Names struct {
					Plural string `json:"plural"`
				} `json:"names"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(b, &crd); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if crd.Spec.Scope == "Cluster" && !slices.Contains(clusterScoped, crd.Spec.Names.Plural) {
			t.Errorf("%s is cluster-scoped but not in weir.clusterScopedResources (charts/weir/templates/_helpers.tpl) nor clusterScoped here",
				crd.Spec.Names.Plural)
		}
	}
}
