package helm_test

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

const managerRole = "weir-manager" // release "weir" + "-manager"

func TestLint(t *testing.T) {
	for _, args := range [][]string{
		{"lint", chartDir},
		{"lint", "--strict", chartDir},
		{"lint", "--strict", chartDir, "--set", "certManager.enabled=true"},
		{"lint", "--strict", chartDir, "--set", "certManager.enabled=true", "--set", "certManager.issuerRef.name=ca",
			"--set", "certManager.issuerRef.kind=ClusterIssuer"},
		{"lint", "--strict", chartDir, "--set", "webhooks.enabled=false"},
		{"lint", "--strict", chartDir, "--set", "operator.watchNamespace=team-a"},
	} {
		if out, err := helm(t, args...); err != nil {
			t.Errorf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// The schema must reject a value of the wrong type before anything renders.
func TestSchemaRejectsWrongType(t *testing.T) {
	for _, cmd := range []string{"lint", "template"} {
		out, err := helm(t, cmd, chartDir, "--set", "operator.replicas=abc")
		if err == nil {
			t.Errorf("helm %s with operator.replicas=abc succeeded, want a schema error", cmd)
		} else if !strings.Contains(out, "replicas") {
			t.Errorf("helm %s error does not name replicas:\n%s", cmd, out)
		}
	}
}

func TestDefaults(t *testing.T) {
	docs := render(t)
	dep := only[appsv1.Deployment](t, docs, "Deployment")

	if dep.Spec.Replicas == nil || *dep.Spec.Replicas != 1 {
		t.Errorf("replicas = %v, want 1", dep.Spec.Replicas)
	}
	if len(dep.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(dep.Spec.Template.Spec.Containers))
	}
	c := dep.Spec.Template.Spec.Containers[0]
	if c.Name != "manager" {
		t.Errorf("container name = %q, want manager", c.Name)
	}
	const image = "ghcr.io/weir-dev/weir:0.1.0" // tag defaults to appVersion
	if c.Image != image {
		t.Errorf("image = %q, want %q", c.Image, image)
	}
	for _, want := range []string{
		"manager",
		"--leader-elect=true",
		"--marmot-url=http://marmot.weir.svc.cluster.local:8080",
		"--image=" + image,
		"--ingest-service-account=weir-ingest",
		"--metrics-bind-address=:8080",
		"--health-probe-bind-address=:8081",
	} {
		if !slices.Contains(c.Args, want) {
			t.Errorf("args %q lack %q", c.Args, want)
		}
	}
	if hasPrefix(c.Args, "--namespace") {
		t.Errorf("args %q set --namespace without watchNamespace", c.Args)
	}
	checkResources(t, c.Resources)
	checkRestricted(t, dep)
	if len(c.Env) != 1 || c.Env[0].Name != "POD_NAMESPACE" || c.Env[0].ValueFrom == nil ||
		c.Env[0].ValueFrom.FieldRef == nil || c.Env[0].ValueFrom.FieldRef.FieldPath != "metadata.namespace" {
		t.Errorf("env = %+v, want POD_NAMESPACE from metadata.namespace", c.Env)
	}
	if p := c.LivenessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/healthz" || p.HTTPGet.Port.String() != "health" {
		t.Errorf("liveness probe = %+v, want /healthz on health", p)
	}
	if p := c.ReadinessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/readyz" || p.HTTPGet.Port.String() != "health" {
		t.Errorf("readiness probe = %+v, want /readyz on health", p)
	}

	namespaced, _ := splitRoleFile(roleFileRules(t))
	cr := named[rbacv1.ClusterRole](t, docs, "ClusterRole", managerRole)
	if !reflect.DeepEqual(cr.Rules, namespaced) {
		t.Errorf("ClusterRole rules differ from the namespaced rules of files/role.yaml:\n got %+v\nwant %+v", cr.Rules, namespaced)
	}
	crb := named[rbacv1.ClusterRoleBinding](t, docs, "ClusterRoleBinding", managerRole)
	if crb.RoleRef.Kind != "ClusterRole" || crb.RoleRef.Name != managerRole ||
		len(crb.Subjects) != 1 || crb.Subjects[0].Name != dep.Spec.Template.Spec.ServiceAccountName {
		t.Errorf("ClusterRoleBinding = %+v, want %s bound to the manager's ServiceAccount", crb, managerRole)
	}
	checkBinding(t, docs, "ClusterRoleBinding", clusterRole, "", "ClusterRole", dep)
	if n := count(docs, "RoleBinding"); n != 3 { // leader election, the certificate rotator, the access server
		t.Errorf("got %d RoleBindings, want 3 (%s)", n, kinds(docs))
	}

	ingest := named[corev1.ServiceAccount](t, docs, "ServiceAccount", "weir-ingest")
	if ingest.AutomountServiceAccountToken == nil || !*ingest.AutomountServiceAccountToken {
		t.Error("ingest ServiceAccount must mount its token: ingestion pods authenticate with it")
	}
	named[corev1.ServiceAccount](t, docs, "ServiceAccount", dep.Spec.Template.Spec.ServiceAccountName)
	if n := count(docs, "Service"); n != 3 {
		t.Errorf("got %d Services, want 3: metrics, webhook and access (%s)", n, kinds(docs))
	}
	checkMetrics(t, docs, "weir-metrics", "weir-metrics-reader")
}

// checkMetrics: metrics are served over HTTPS (the Service port is named
// https, and the manager does not turn secure serving off) to scrapers
// bound to the reader ClusterRole, which may get /metrics and nothing else.
func checkMetrics(t *testing.T, docs []doc, service, reader string) {
	t.Helper()
	svc := named[corev1.Service](t, docs, "Service", service)
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != "https" || svc.Spec.Ports[0].Port != 8080 ||
		svc.Spec.Ports[0].TargetPort.String() != "metrics" {
		t.Errorf("Service %s ports = %+v, want https 8080 -> metrics", service, svc.Spec.Ports)
	}
	for _, d := range docs {
		if d.Kind != "Deployment" {
			continue
		}
		for _, a := range named[appsv1.Deployment](t, docs, d.Kind, d.Name).Spec.Template.Spec.Containers[0].Args {
			if strings.HasPrefix(a, "--metrics-secure") {
				t.Errorf("Deployment %s has %s: metrics must stay secure", d.Name, a)
			}
		}
	}
	want := []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}
	if got := named[rbacv1.ClusterRole](t, docs, "ClusterRole", reader).Rules; !reflect.DeepEqual(got, want) {
		t.Errorf("ClusterRole %s rules = %+v, want %+v", reader, got, want)
	}
}

// watchNamespaces (and the older watchNamespace, added first) become the
// manager's --namespace, a Role and RoleBinding in each namespace instead of
// the manager ClusterRole (so no ConfigMap write or Job create elsewhere),
// and an In term in every webhook's namespaceSelector.
func TestWatchNamespaces(t *testing.T) {
	for _, args := range [][]string{
		{"--set", "operator.watchNamespaces={team-a,team-b}"},
		{"--set", "operator.watchNamespace=team-a", "--set", "operator.watchNamespaces={team-b,team-a}"},
	} {
		docs := render(t, args...)
		dep := only[appsv1.Deployment](t, docs, "Deployment")
		if a := dep.Spec.Template.Spec.Containers[0].Args; !slices.Contains(a, "--namespace=team-a,team-b") {
			t.Errorf("%v: args %q lack --namespace=team-a,team-b", args, a)
		}
		namespaced, _ := splitRoleFile(roleFileRules(t))
		for _, kind := range []string{"Role", "RoleBinding"} {
			var in []string
			for _, d := range docs {
				if d.Kind == kind && d.Name == managerRole {
					in = append(in, d.Namespace)
				}
			}
			if !slices.Equal(in, []string{"team-a", "team-b"}) {
				t.Errorf("%v: %s %s in %q, want team-a and team-b", args, kind, managerRole, in)
			}
		}
		for _, d := range docs {
			if d.Name != managerRole {
				continue
			}
			switch d.Kind {
			case "Role":
				var r rbacv1.Role
				if err := yaml.UnmarshalStrict(d.raw, &r); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(r.Rules, namespaced) {
					t.Errorf("%v: Role in %s rules:\n got %+v\nwant %+v", args, d.Namespace, r.Rules, namespaced)
				}
			case "RoleBinding":
				var b rbacv1.RoleBinding
				if err := yaml.UnmarshalStrict(d.raw, &b); err != nil {
					t.Fatal(err)
				}
				want := []rbacv1.Subject{{Kind: "ServiceAccount", Name: dep.Spec.Template.Spec.ServiceAccountName, Namespace: "weir"}}
				if b.RoleRef.Kind != "Role" || b.RoleRef.Name != managerRole || !reflect.DeepEqual(b.Subjects, want) {
					t.Errorf("%v: RoleBinding in %s = %+v %+v", args, d.Namespace, b.RoleRef, b.Subjects)
				}
			case "ClusterRole", "ClusterRoleBinding":
				t.Errorf("%v: %s %s rendered with watchNamespaces", args, d.Kind, d.Name)
			}
		}
		hooks := defaultHooks
		hooks.included = []string{"team-a", "team-b"}
		checkConfigurations(t, docs, hooks)
	}
	if out, err := helm(t, "template", chartDir, "--set", "operator.watchNamespaces={Team_A}"); err == nil || !strings.Contains(out, "watchNamespaces") {
		t.Errorf("watchNamespaces={Team_A} rendered, want a schema error naming watchNamespaces:\n%s", out)
	}
}

// A watched namespace gets a Role there for the namespaced rules; what a Role
// cannot grant (cluster-scoped resources) stays in the <fullname>-cluster
// ClusterRole, and nothing else is cluster-wide.
func TestWatchNamespace(t *testing.T) {
	docs := render(t, "--set", "operator.watchNamespace=team-a")
	dep := only[appsv1.Deployment](t, docs, "Deployment")
	if args := dep.Spec.Template.Spec.Containers[0].Args; !slices.Contains(args, "--namespace=team-a") {
		t.Errorf("args %q lack --namespace=team-a", args)
	}
	namespaced, cluster := splitRoleFile(roleFileRules(t))
	role := named[rbacv1.Role](t, docs, "Role", managerRole)
	if role.Namespace != "team-a" {
		t.Errorf("manager Role namespace = %q, want team-a", role.Namespace)
	}
	if !reflect.DeepEqual(role.Rules, namespaced) {
		t.Errorf("Role rules differ from the namespaced rules of files/role.yaml:\n got %+v\nwant %+v", role.Rules, namespaced)
	}
	checkNoClusterScoped(t, "Role "+managerRole, role.Rules)
	rb := named[rbacv1.RoleBinding](t, docs, "RoleBinding", managerRole)
	if rb.Namespace != "team-a" || rb.RoleRef.Kind != "Role" || rb.RoleRef.Name != managerRole {
		t.Errorf("manager RoleBinding = %+v, want Role %s in team-a", rb, managerRole)
	}

	// Only the small ClusterRole is cluster-wide: the manager's rules on
	// cluster-scoped resources and the rotator's on webhook configurations
	// (and the metrics reader, bound to nobody).
	if n := count(docs, "ClusterRole") - 1; n != 1 {
		t.Errorf("got %d ClusterRoles with watchNamespace set, want only %s (%s)", n, clusterRole, kinds(docs))
	}
	if n := count(docs, "ClusterRoleBinding"); n != 1 {
		t.Errorf("got %d ClusterRoleBindings with watchNamespace set, want only %s (%s)", n, clusterRole, kinds(docs))
	}
	cr := named[rbacv1.ClusterRole](t, docs, "ClusterRole", clusterRole)
	want := slices.Concat(cluster, rotatorClusterRules)
	if !reflect.DeepEqual(cr.Rules, want) {
		t.Errorf("%s rules:\n got %+v\nwant %+v", clusterRole, cr.Rules, want)
	}
	checkOnlyClusterScoped(t, clusterRole, cr.Rules)
	checkBinding(t, docs, "ClusterRoleBinding", clusterRole, "", "ClusterRole", dep)
	// The rotator's Secret stays in the release namespace, not the watched one.
	if r := named[rbacv1.Role](t, docs, "Role", rotatorRole); r.Namespace != "weir" {
		t.Errorf("Role %s namespace = %q, want the release namespace weir", rotatorRole, r.Namespace)
	}
}

// operator.enabled=false installs only the CRDs.
func TestOperatorDisabled(t *testing.T) {
	docs := render(t, "--set", "operator.enabled=false", "--include-crds")
	var got []string
	for _, d := range docs {
		if d.Kind != "CustomResourceDefinition" {
			t.Errorf("rendered %s %s with operator.enabled=false, want only CRDs", d.Kind, d.Name)
		}
		got = append(got, d.Name)
	}
	slices.Sort(got)
	want := []string{"policybundles.policies.weir.dev", "runs.runs.marmotdata.io", "sourceplugins.plugins.weir.dev",
		"workspaceexecutionprofiles.workspace.jupyter.org", "workspacemanagers.workspace.jupyter.org", "workspaces.workspace.jupyter.org",
		"workspaceshares.workspace.jupyter.org", "workspacetemplates.workspace.jupyter.org"}
	if !slices.Equal(got, want) {
		t.Errorf("rendered CRDs %q, want %q", got, want)
	}
}

func checkResources(t *testing.T, r corev1.ResourceRequirements) {
	t.Helper()
	want := map[string]string{
		"requests.cpu": "100m", "requests.memory": "128Mi",
		"limits.cpu": "500m", "limits.memory": "512Mi",
	}
	got := map[string]resource.Quantity{
		"requests.cpu": r.Requests[corev1.ResourceCPU], "requests.memory": r.Requests[corev1.ResourceMemory],
		"limits.cpu": r.Limits[corev1.ResourceCPU], "limits.memory": r.Limits[corev1.ResourceMemory],
	}
	for k, w := range want {
		if g := got[k]; g.Cmp(resource.MustParse(w)) != 0 {
			t.Errorf("resources %s = %s, want %s", k, g.String(), w)
		}
	}
}

// checkRestricted asserts the Pod Security Standard "restricted" settings and
// the chart's token and grace period.
func checkRestricted(t *testing.T, dep appsv1.Deployment) {
	t.Helper()
	checkPodSecurity(t, dep)
	pod := dep.Spec.Template.Spec
	if !isTrue(pod.AutomountServiceAccountToken) {
		t.Error("manager pod must mount its token: it talks to the API server")
	}
	if g := pod.TerminationGracePeriodSeconds; g == nil || *g != 10 {
		t.Errorf("terminationGracePeriodSeconds = %v, want 10", g)
	}
}

// checkPodSecurity asserts the Pod Security Standard "restricted" settings.
// Volumes must be of a kind "restricted" allows.
func checkPodSecurity(t *testing.T, dep appsv1.Deployment) {
	t.Helper()
	pod := dep.Spec.Template.Spec
	for _, v := range pod.Volumes {
		if v.EmptyDir == nil && v.Secret == nil && v.ConfigMap == nil && v.Projected == nil {
			t.Errorf("volume %s is of a kind the restricted profile forbids or the chart does not expect: %+v", v.Name, v.VolumeSource)
		}
	}
	if psc := pod.SecurityContext; psc == nil || !isTrue(psc.RunAsNonRoot) ||
		psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext = %+v, want runAsNonRoot and RuntimeDefault seccomp", psc)
	}
	sc := pod.Containers[0].SecurityContext
	if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		!isTrue(sc.ReadOnlyRootFilesystem) || !isTrue(sc.RunAsNonRoot) ||
		sc.Capabilities == nil || !reflect.DeepEqual(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("container securityContext = %+v, want restricted", sc)
	}
}

// roleFileRules reads the rules controller-gen wrote, the chart's only RBAC source.
func roleFileRules(t *testing.T) []rbacv1.PolicyRule {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), chartDir, "files", "role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cr rbacv1.ClusterRole
	if err := yaml.Unmarshal(b, &cr); err != nil {
		t.Fatalf("decode files/role.yaml: %v", err)
	}
	if len(cr.Rules) == 0 {
		t.Fatal("files/role.yaml has no rules")
	}
	return cr.Rules
}

func isTrue(b *bool) bool { return b != nil && *b }

func hasPrefix(args []string, prefix string) bool {
	return slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, prefix) })
}

// Leader election timings reach the manager only when set, as the flags
// the binary defines; a value that is not a duration is refused by the
// schema naming it.
func TestLeaderElectionTimings(t *testing.T) {
	args := only[appsv1.Deployment](t, render(t), "Deployment").Spec.Template.Spec.Containers[0].Args
	if hasPrefix(args, "--leader-elect-") {
		t.Errorf("default values pass leader election timings: %q", args)
	}
	args = only[appsv1.Deployment](t, render(t, "--set", "operator.leaderElection.leaseDuration=60s",
		"--set", "operator.leaderElection.renewDeadline=45s", "--set", "operator.leaderElection.retryPeriod=5s"), "Deployment").Spec.Template.Spec.Containers[0].Args
	for _, want := range []string{"--leader-elect-lease-duration=60s", "--leader-elect-renew-deadline=45s", "--leader-elect-retry-period=5s"} {
		if !slices.Contains(args, want) {
			t.Errorf("args %q lack %s", args, want)
		}
	}
	if out, err := helm(t, "template", chartDir, "--set", "operator.leaderElection.leaseDuration=sixty"); err == nil || !strings.Contains(out, "leaseDuration") {
		t.Errorf("leaseDuration=sixty rendered, want a schema error naming it:\n%s", out)
	}
}
