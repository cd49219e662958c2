package helm_test

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// guidedValues installs guided mode with two teams (team-a: alice and the
// group data-science; team-b: bob, its own quota and two profiles).
const guidedValues = "test/helm/testdata/guided-values.yaml"

func renderGuided(t *testing.T, args ...string) []doc {
	t.Helper()
	return render(t, append([]string{"-f", guidedValues}, args...)...)
}

// guidedKinds are what only guided mode renders (kind/name).
var guidedObjects = []string{
	"IngressClass/weir-caddy", "Deployment/weir-caddy", "Service/weir-caddy",
	"Secret/weir-dex", "Deployment/weir-dex", "Service/weir-dex", "Ingress/weir-dex",
	"Secret/weir-oidc", "WorkspaceManager/weir",
	"Namespace/team-a", "Namespace/team-b",
	"WorkspaceTemplate/jupyterlab", "WorkspaceTemplate/vscode",
	"ClusterRole/weir-template-reader", "ClusterRoleBinding/weir-template-reader",
}

func has(docs []doc, kindName string) bool {
	return slices.ContainsFunc(docs, func(d doc) bool { return d.Kind+"/"+d.Name == kindName })
}

func TestGuidedLint(t *testing.T) {
	for _, args := range [][]string{
		{"lint", "--strict", chartDir, "-f", guidedValues},
		{"lint", "--strict", chartDir, "--set", "mode=guided", "--set", "guided.baseURL=http://localhost:8080",
			"--set", "guided.dex.connectors[0].type=github", "--set", "guided.dex.connectors[0].id=github",
			"--set", "guided.dex.connectors[0].name=GitHub"},
		{"lint", "--strict", chartDir, "-f", guidedValues, "--set", "guided.caddy.service.type=LoadBalancer",
			"--set", "guided.templates.vscode.enabled=false"},
		{"lint", "--strict", chartDir, "--set", "mode=customized"},
		// Your own IdP: no Dex users needed.
		{"lint", "--strict", chartDir, "--set", "mode=guided", "--set", "guided.baseURL=http://127.0.0.1:8080",
			"--set", "guided.oidc.issuerURL=http://127.0.0.1:5556", "--set", "guided.oidc.clientSecret=x"},
	} {
		if out, err := helm(t, args...); err != nil {
			t.Errorf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// customized (the default) renders none of guided mode's objects, and the
// same as before the mode existed: no --proxy-config, no ConfigMap rights.
func TestCustomizedIsWeirAlone(t *testing.T) {
	def, explicit := render(t), render(t, "--set", "mode=customized")
	if !reflect.DeepEqual(def, explicit) {
		t.Error("mode=customized renders differently from the default")
	}
	for _, o := range guidedObjects {
		if has(def, o) {
			t.Errorf("customized mode renders %s", o)
		}
	}
	for _, k := range []string{"IngressClass", "Ingress", "WorkspaceManager", "WorkspaceTemplate", "Namespace", "LimitRange", "ResourceQuota", "WorkspaceExecutionProfile"} {
		if n := count(def, k); n != 0 {
			t.Errorf("customized mode renders %d %s", n, k)
		}
	}
	dep := only[appsv1.Deployment](t, def, "Deployment")
	if hasPrefix(dep.Spec.Template.Spec.Containers[0].Args, "--proxy-config") {
		t.Errorf("customized mode passes --proxy-config: %q", dep.Spec.Template.Spec.Containers[0].Args)
	}
	for _, r := range named[rbacv1.Role](t, def, "Role", "weir-access").Rules {
		if slices.Contains(r.Resources, "configmaps") {
			t.Errorf("customized mode grants the access Role %+v", r)
		}
	}
	// Guided values are ignored unless mode says guided.
	if got := render(t, "-f", guidedValues, "--set", "mode=customized"); !reflect.DeepEqual(got, def) {
		t.Error("guided values change a customized render")
	}
}

func TestGuidedObjects(t *testing.T) {
	docs := renderGuided(t)
	for _, o := range guidedObjects {
		if !has(docs, o) {
			t.Errorf("guided mode lacks %s (rendered: %s)", o, kinds(docs))
		}
	}
	if n := count(docs, "Deployment"); n != 3 {
		t.Errorf("got %d Deployments, want 3: manager, caddy, dex", n)
	}
	// The manager writes Caddy's config into the ConfigMap Caddy mounts.
	mgr := named[appsv1.Deployment](t, docs, "Deployment", "weir")
	if a := mgr.Spec.Template.Spec.Containers[0].Args; !slices.Contains(a, "--proxy-config=weir/weir-proxy") {
		t.Errorf("manager args %q lack --proxy-config=weir/weir-proxy", a)
	}
	granted := false
	for _, r := range named[rbacv1.Role](t, docs, "Role", "weir-access").Rules {
		if slices.Contains(r.Resources, "configmaps") && slices.Contains(r.Verbs, "update") && slices.Contains(r.Verbs, "create") {
			granted = true
		}
	}
	if !granted {
		t.Error("the access Role does not let the manager write the proxy ConfigMap in its namespace")
	}
	ic := named[networkingv1.IngressClass](t, docs, "IngressClass", "weir-caddy")
	if ic.Spec.Controller != "weir.dev/caddy" {
		t.Errorf("IngressClass controller = %q, want weir.dev/caddy", ic.Spec.Controller)
	}
	caddy := named[appsv1.Deployment](t, docs, "Deployment", "weir-caddy")
	c := caddy.Spec.Template.Spec.Containers[0]
	if c.Image != "caddy:2.11-alpine" {
		t.Errorf("caddy image = %q", c.Image)
	}
	if cmd := strings.Join(append(c.Command, c.Args...), " "); !strings.HasPrefix(cmd, "/bin/sh -c until [ -s /etc/caddy/Caddyfile ]") ||
		!strings.HasSuffix(cmd, "exec caddy run --config /etc/caddy/Caddyfile --adapter caddyfile --watch") {
		t.Errorf("caddy runs %q, want it to wait for Weir's Caddyfile, then exec caddy run --watch on it", cmd)
	}
	var cm *corev1.ConfigMapVolumeSource
	for _, v := range caddy.Spec.Template.Spec.Volumes {
		if v.ConfigMap != nil {
			cm = v.ConfigMap
		}
	}
	if cm == nil || cm.Name != "weir-proxy" || len(cm.Items) != 0 {
		t.Errorf("caddy's config volume = %+v, want the whole ConfigMap weir-proxy", cm)
	}
	if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/etc/caddy" && m.SubPath == "" }) {
		t.Errorf("caddy mounts %+v, want /etc/caddy without subPath (updates must reach it)", c.VolumeMounts)
	}
	if len(c.Ports) != 1 || c.Ports[0].ContainerPort != 8080 {
		t.Errorf("caddy ports = %+v, want 8080 (Weir's Caddyfile)", c.Ports)
	}
	svc := named[corev1.Service](t, docs, "Service", "weir-caddy")
	if svc.Spec.Type != corev1.ServiceTypeClusterIP || svc.Spec.Ports[0].Port != 80 || svc.Spec.Ports[0].TargetPort.String() != "http" {
		t.Errorf("caddy Service = %+v", svc.Spec)
	}
	lb := named[corev1.Service](t, renderGuided(t, "--set", "guided.caddy.service.type=LoadBalancer"), "Service", "weir-caddy")
	if lb.Spec.Type != corev1.ServiceTypeLoadBalancer {
		t.Errorf("service.type=LoadBalancer renders %s", lb.Spec.Type)
	}

	// No Service of the release selects another Deployment's pods.
	for _, d := range docs {
		if d.Kind != "Service" {
			continue
		}
		s := named[corev1.Service](t, docs, "Service", d.Name)
		sel := labels.SelectorFromSet(s.Spec.Selector)
		var matched []string
		for _, dn := range []string{"weir", "weir-caddy", "weir-dex"} {
			if sel.Matches(labels.Set(named[appsv1.Deployment](t, docs, "Deployment", dn).Spec.Template.Labels)) {
				matched = append(matched, dn)
			}
		}
		if len(matched) != 1 {
			t.Errorf("Service %s selects the pods of %q, want exactly one Deployment's", d.Name, matched)
		}
	}
}

// Every pod guided mode adds meets "restricted", has resources and probes,
// and no API token.
func TestGuidedPodSecurity(t *testing.T) {
	docs := renderGuided(t)
	for _, name := range []string{"weir-caddy", "weir-dex"} {
		dep := named[appsv1.Deployment](t, docs, "Deployment", name)
		checkPodSecurity(t, dep)
		pod := dep.Spec.Template.Spec
		if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
			t.Errorf("%s mounts an API token; it never calls the API server", name)
		}
		if pod.SecurityContext.RunAsUser == nil || *pod.SecurityContext.RunAsUser == 0 {
			t.Errorf("%s: runAsUser = %v, want a non-root uid (the image may default to root)", name, pod.SecurityContext.RunAsUser)
		}
		c := pod.Containers[0]
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
			t.Errorf("%s resources = %+v", name, c.Resources)
		}
		if c.LivenessProbe == nil || c.ReadinessProbe == nil {
			t.Errorf("%s lacks a liveness or readiness probe", name)
		}
	}
}

// Dex: issuer <baseURL>/dex, one client weir whose secret comes from the
// Secret the WorkspaceManager reads, redirect <baseURL>/_weir/callback,
// users' bcrypt hashes, served under /dex without forward-auth.
func TestGuidedDex(t *testing.T) {
	docs := renderGuided(t)
	sec := named[corev1.Secret](t, docs, "Secret", "weir-dex")
	var cfg struct {
		Issuer        string `json:"issuer"`
		StaticClients []struct {
			ID           string   `json:"id"`
			SecretEnv    string   `json:"secretEnv"`
			Secret       string   `json:"secret"`
			RedirectURIs []string `json:"redirectURIs"`
		} `json:"staticClients"`
		EnablePasswordDB bool `json:"enablePasswordDB"`
		StaticPasswords  []struct {
			Email string `json:"email"`
			Hash  string `json:"hash"`
		} `json:"staticPasswords"`
		Storage struct {
			Type string `json:"type"`
		} `json:"storage"`
	}
	if err := yaml.Unmarshal([]byte(sec.StringData["config.yaml"]), &cfg); err != nil {
		t.Fatalf("Dex config: %v\n%s", err, sec.StringData["config.yaml"])
	}
	if cfg.Issuer != "https://ide.example.com/dex" {
		t.Errorf("issuer = %q", cfg.Issuer)
	}
	if len(cfg.StaticClients) != 1 || cfg.StaticClients[0].ID != "weir" || cfg.StaticClients[0].Secret != "" ||
		cfg.StaticClients[0].SecretEnv != "WEIR_CLIENT_SECRET" ||
		!slices.Equal(cfg.StaticClients[0].RedirectURIs, []string{"https://ide.example.com/_weir/callback"}) {
		t.Errorf("static clients = %+v", cfg.StaticClients)
	}
	if !cfg.EnablePasswordDB || len(cfg.StaticPasswords) != 2 || cfg.StaticPasswords[0].Email != "alice@example.com" ||
		!strings.HasPrefix(cfg.StaticPasswords[0].Hash, "$2a$10$") {
		t.Errorf("static users = %+v", cfg.StaticPasswords)
	}
	dex := named[appsv1.Deployment](t, docs, "Deployment", "weir-dex")
	env := dex.Spec.Template.Spec.Containers[0].Env
	if len(env) != 1 || env[0].Name != "WEIR_CLIENT_SECRET" || env[0].ValueFrom == nil || env[0].ValueFrom.SecretKeyRef == nil ||
		env[0].ValueFrom.SecretKeyRef.Name != "weir-oidc" || env[0].ValueFrom.SecretKeyRef.Key != "client-secret" {
		t.Errorf("dex env = %+v, want WEIR_CLIENT_SECRET from weir-oidc/client-secret", env)
	}
	if img := dex.Spec.Template.Spec.Containers[0].Image; !strings.HasPrefix(img, "ghcr.io/dexidp/dex:") {
		t.Errorf("dex image = %q", img)
	}
	ing := named[networkingv1.Ingress](t, docs, "Ingress", "weir-dex")
	if ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != "weir-caddy" || len(ing.Annotations) != 0 {
		t.Errorf("Dex Ingress class %v annotations %v, want weir-caddy without forward-auth", ing.Spec.IngressClassName, ing.Annotations)
	}
	r := ing.Spec.Rules[0]
	if r.Host != "ide.example.com" || len(r.HTTP.Paths) != 1 || r.HTTP.Paths[0].Path != "/dex" ||
		r.HTTP.Paths[0].Backend.Service.Name != "weir-dex" || r.HTTP.Paths[0].Backend.Service.Port.Number != 5556 {
		t.Errorf("Dex Ingress rule = %+v", r)
	}
	// A base path carries over to the issuer and the route.
	sub := renderGuided(t, "--set", "guided.baseURL=http://localhost:8080/ide/")
	if p := named[networkingv1.Ingress](t, sub, "Ingress", "weir-dex").Spec.Rules[0].HTTP.Paths[0].Path; p != "/ide/dex" {
		t.Errorf("path with baseURL .../ide/ = %q, want /ide/dex", p)
	}
	if wsm := named[wsv1.WorkspaceManager](t, sub, "WorkspaceManager", "weir"); wsm.Spec.Authentication.OIDC.IssuerURL != "http://localhost:8080/ide/dex" {
		t.Errorf("issuer with baseURL .../ide/ = %q", wsm.Spec.Authentication.OIDC.IssuerURL)
	}

	// The client secret: random, 48 characters (lookup keeps it on upgrade: upgrade_test.go).
	oidc := named[corev1.Secret](t, docs, "Secret", "weir-oidc")
	if raw := oidc.Data["client-secret"]; !regexp.MustCompile(`^[A-Za-z0-9]{48}$`).Match(raw) {
		t.Errorf("client-secret = %q, want 48 random letters and digits", raw)
	}
	again := named[corev1.Secret](t, renderGuided(t), "Secret", "weir-oidc")
	if string(again.Data["client-secret"]) == string(oidc.Data["client-secret"]) {
		t.Error("two renders without a cluster gave the same client secret: it is not random")
	}
}

func TestGuidedWorkspaceManager(t *testing.T) {
	docs := renderGuided(t)
	wsm := named[wsv1.WorkspaceManager](t, docs, "WorkspaceManager", "weir")
	want := wsv1.WorkspaceManagerSpec{
		BaseURL:           "https://ide.example.com",
		URLScheme:         wsv1.URLScheme("Path"),
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"weir.dev/guided": "weir"}},
		Routing: wsv1.WorkspaceRouting{
			Ingress:       &wsv1.IngressRouting{ClassName: "weir-caddy"},
			AccessService: wsv1.ServiceReference{Name: "weir-access", Namespace: "weir", Port: 8090},
		},
		Authentication: wsv1.WorkspaceAuthentication{OIDC: wsv1.OIDCAuthentication{
			IssuerURL: "https://ide.example.com/dex", ClientID: "weir",
			ClientSecretRef: &wsv1.SecretKeySelector{Name: "weir-oidc", Key: "client-secret"},
			Scopes:          []string{"openid", "email", "profile", "groups"},
			UsernameClaim:   "email", GroupsClaim: "groups",
		}},
	}
	if !reflect.DeepEqual(wsm.Spec, want) {
		t.Errorf("WorkspaceManager spec:\n got %s\nwant %s", dump(t, wsm.Spec), dump(t, want))
	}
	// It serves exactly the teams' namespaces.
	sel, err := metav1.LabelSelectorAsSelector(wsm.Spec.NamespaceSelector)
	if err != nil {
		t.Fatal(err)
	}
	for _, team := range []string{"team-a", "team-b"} {
		ns := named[corev1.Namespace](t, docs, "Namespace", team)
		if !sel.Matches(labels.Set(ns.Labels)) {
			t.Errorf("WorkspaceManager does not select namespace %s (labels %v)", team, ns.Labels)
		}
		if ns.Annotations["helm.sh/resource-policy"] != "keep" {
			t.Errorf("namespace %s is deleted with the release (and its Workspaces with it)", team)
		}
		if ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
			t.Errorf("namespace %s labels %v, want pod security restricted enforced", team, ns.Labels)
		}
	}
}

func TestGuidedRequiredValues(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--set", "mode=guided"}, "guided.baseURL"},
		{[]string{"--set", "mode=guided", "--set", "guided.baseURL=https://x"}, "guided.dex.staticUsers"},
		{[]string{"-f", guidedValues, "--set", "access.enabled=false"}, "access.enabled=true"},
		{[]string{"-f", guidedValues, "--set", "operator.enabled=false"}, "operator.enabled=true"},
	} {
		out, err := helm(t, append([]string{"template", "weir", chartDir}, tc.args...)...)
		if err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("%v: err %v, want an error naming %s:\n%s", tc.args, err, tc.want, out)
		}
	}
}

func TestGuidedSchema(t *testing.T) {
	for _, tc := range []struct {
		set, want string
	}{
		{"mode=easy", "mode"},
		{"guided.baseURL=ide.example.com", "baseURL"},
		{"guided.dex.staticUsers[0].hash=hunter2", "hash"},
		{"guided.caddy.service.type=ExternalName", "type"},
		{"guided.teams[0].name=Team_A", "name"},
		{"guided.teams[0].members[0]=alice", "members"},
		{"guided.typo=1", "typo"},
		{"guided.templates.idleShutdown.defaultIdleTimeoutInMinutes=0", "defaultIdleTimeoutInMinutes"},
	} {
		out, err := helm(t, "template", "weir", chartDir, "-f", guidedValues, "--set", tc.set)
		if err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("--set %s: err %v, want a schema error naming %s:\n%s", tc.set, err, tc.want, out)
		}
	}
}

// Each team: a Role with exactly the rules a member needs, bound to the
// team's users and groups; a ServiceAccount and WorkspaceExecutionProfile
// per profile; a LimitRange and a ResourceQuota.
func TestGuidedTeams(t *testing.T) {
	docs := renderGuided(t)
	rules := func(profiles ...string) []rbacv1.PolicyRule {
		g := []string{"workspace.jupyter.org"}
		return []rbacv1.PolicyRule{
			{APIGroups: g, Resources: []string{"workspaces", "workspaceshares"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
			{APIGroups: g, Resources: []string{"workspaces/connection"}, Verbs: []string{"create"}},
			{APIGroups: g, Resources: []string{"workspaceexecutionprofiles"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: g, Resources: []string{"workspaceexecutionprofiles"}, Verbs: []string{"use"}, ResourceNames: profiles},
		}
	}
	user := func(n string) rbacv1.Subject {
		return rbacv1.Subject{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: n}
	}
	group := func(n string) rbacv1.Subject {
		return rbacv1.Subject{Kind: "Group", APIGroup: "rbac.authorization.k8s.io", Name: n}
	}
	for _, tc := range []struct {
		ns       string
		subjects []rbacv1.Subject
		profiles map[string]string // profile -> ServiceAccount
		quota    corev1.ResourceList
	}{
		{"team-a", []rbacv1.Subject{user("alice@example.com"), group("data-science")}, map[string]string{"workspace": "workspace"}, nil},
		{"team-b", []rbacv1.Subject{user("bob@example.com")}, map[string]string{"s3-reader": "s3-reader", "plain": "plain-sa"},
			corev1.ResourceList{"requests.cpu": resource.MustParse("2"), "limits.cpu": resource.MustParse("4")}},
	} {
		in := func(kind, name string) doc {
			for _, d := range docs {
				if d.Kind == kind && d.Name == name && d.Namespace == tc.ns {
					return d
				}
			}
			t.Fatalf("no %s %s in %s (rendered: %s)", kind, name, tc.ns, kinds(docs))
			return doc{}
		}
		var role rbacv1.Role
		decode(t, in("Role", "weir-team-member"), &role)
		var names []string
		for p := range tc.profiles {
			names = append(names, p)
		}
		slices.Sort(names)
		slices.Sort(role.Rules[3].ResourceNames)
		if !reflect.DeepEqual(role.Rules, rules(names...)) {
			t.Errorf("%s Role rules:\n got %s\nwant %s", tc.ns, dump(t, role.Rules), dump(t, rules(names...)))
		}
		var rb rbacv1.RoleBinding
		decode(t, in("RoleBinding", "weir-team-member"), &rb)
		if rb.RoleRef != (rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "weir-team-member"}) ||
			!reflect.DeepEqual(rb.Subjects, tc.subjects) {
			t.Errorf("%s RoleBinding %+v %+v, want the Role bound to %+v", tc.ns, rb.RoleRef, rb.Subjects, tc.subjects)
		}
		for p, sa := range tc.profiles {
			var prof wsv1.WorkspaceExecutionProfile
			decode(t, in("WorkspaceExecutionProfile", p), &prof)
			if prof.Spec.ServiceAccountName != sa || prof.Spec.AutomountServiceAccountToken == nil || *prof.Spec.AutomountServiceAccountToken {
				t.Errorf("%s profile %s = %+v, want ServiceAccount %s without a token", tc.ns, p, prof.Spec, sa)
			}
			var acct corev1.ServiceAccount
			decode(t, in("ServiceAccount", sa), &acct)
			if acct.AutomountServiceAccountToken == nil || *acct.AutomountServiceAccountToken {
				t.Errorf("%s ServiceAccount %s mounts its token", tc.ns, sa)
			}
		}
		var lr corev1.LimitRange
		decode(t, in("LimitRange", "weir-team"), &lr)
		if len(lr.Spec.Limits) != 1 || lr.Spec.Limits[0].Type != corev1.LimitTypeContainer ||
			lr.Spec.Limits[0].Default.Cpu().Cmp(resource.MustParse("1")) != 0 || lr.Spec.Limits[0].Max.Memory().Cmp(resource.MustParse("16Gi")) != 0 {
			t.Errorf("%s LimitRange = %+v", tc.ns, lr.Spec)
		}
		var q corev1.ResourceQuota
		decode(t, in("ResourceQuota", "weir-team"), &q)
		want := tc.quota
		if want == nil { // teamDefaults.quota
			want = corev1.ResourceList{"requests.cpu": resource.MustParse("8"), "requests.memory": resource.MustParse("32Gi"),
				"limits.cpu": resource.MustParse("16"), "limits.memory": resource.MustParse("64Gi"), "requests.storage": resource.MustParse("200Gi"),
				"persistentvolumeclaims": resource.MustParse("20"), "count/workspaces.workspace.jupyter.org": resource.MustParse("20")}
		}
		if len(q.Spec.Hard) != len(want) {
			t.Errorf("%s quota = %v, want %v", tc.ns, q.Spec.Hard, want)
		}
		for k, v := range want {
			if g := q.Spec.Hard[k]; g.Cmp(v) != 0 {
				t.Errorf("%s quota %s = %s, want %s", tc.ns, k, g.String(), v.String())
			}
		}
	}
	crb := named[rbacv1.ClusterRoleBinding](t, docs, "ClusterRoleBinding", "weir-template-reader")
	if want := []rbacv1.Subject{user("alice@example.com"), group("data-science"), user("bob@example.com")}; !reflect.DeepEqual(crb.Subjects, want) {
		t.Errorf("template reader subjects = %+v, want %+v", crb.Subjects, want)
	}
	cr := named[rbacv1.ClusterRole](t, docs, "ClusterRole", "weir-template-reader")
	if want := []rbacv1.PolicyRule{{APIGroups: []string{"workspace.jupyter.org"}, Resources: []string{"workspacetemplates"}, Verbs: []string{"get", "list", "watch"}}}; !reflect.DeepEqual(cr.Rules, want) {
		t.Errorf("template reader rules = %+v", cr.Rules)
	}
	// No teams: no namespaces, and no binding to nobody.
	none := render(t, "-f", guidedValues, "--set", "guided.teams=null")
	for _, k := range []string{"Namespace", "LimitRange", "ResourceQuota", "WorkspaceExecutionProfile", "ClusterRoleBinding/weir-template-reader"} {
		if has(none, k) || (!strings.Contains(k, "/") && count(none, k) != 0) {
			t.Errorf("guided.teams empty renders %s", k)
		}
	}
}

func TestGuidedTemplates(t *testing.T) {
	docs := renderGuided(t)
	jl := named[wsv1.WorkspaceTemplate](t, docs, "WorkspaceTemplate", "jupyterlab")
	if !strings.HasPrefix(jl.Spec.DefaultImage, "quay.io/jupyter/base-notebook:") || !slices.Equal(jl.Spec.AllowedImages, []string{jl.Spec.DefaultImage}) {
		t.Errorf("jupyterlab images %q %q", jl.Spec.DefaultImage, jl.Spec.AllowedImages)
	}
	vs := named[wsv1.WorkspaceTemplate](t, docs, "WorkspaceTemplate", "vscode")
	if !strings.HasPrefix(vs.Spec.DefaultImage, "codercom/code-server:") {
		t.Errorf("vscode image %q", vs.Spec.DefaultImage)
	}
	if jl.Spec.DefaultTunnel != nil {
		t.Errorf("jupyterlab has a tunnel %+v", jl.Spec.DefaultTunnel)
	}
	if vs.Spec.DefaultTunnel == nil || vs.Spec.DefaultTunnel.Port != 22 {
		t.Errorf("vscode defaultTunnel = %+v, want port 22", vs.Spec.DefaultTunnel)
	}
	if cc := vs.Spec.DefaultContainerConfig; cc == nil || !slices.Contains(cc.Args, "--bind-addr=0.0.0.0:8888") || !slices.Contains(cc.Args, "--auth=none") {
		t.Errorf("vscode defaultContainerConfig = %+v, want code-server on Weir's IDE port without its own login", cc)
	}
	for _, tpl := range []wsv1.WorkspaceTemplate{jl, vs} {
		s := tpl.Spec
		if s.IdleShutdown == nil || !s.IdleShutdown.Enabled || s.IdleShutdown.DefaultIdleTimeoutInMinutes != 60 || s.IdleShutdown.MaxIdleTimeoutInMinutes != 480 {
			t.Errorf("%s idleShutdown = %+v", tpl.Name, s.IdleShutdown)
		}
		if s.ResourceBounds == nil || s.ResourceBounds.CPU == nil || s.ResourceBounds.Memory == nil || s.DefaultResources == nil ||
			s.PrimaryStorage == nil || s.PrimaryStorage.MaxSize == nil || s.DefaultOwnershipType != wsv1.OwnershipType("OwnerOnly") {
			t.Errorf("%s lacks bounds, default resources, storage bounds or OwnerOnly: %s", tpl.Name, dump(t, s))
		}
	}
	set := renderGuided(t, "--set", "guided.templates.jupyterlab.image.tag=x1", "--set", "guided.templates.vscode.tunnelPort=2222",
		"--set", "guided.templates.idleShutdown.maxIdleTimeoutInMinutes=120")
	if img := named[wsv1.WorkspaceTemplate](t, set, "WorkspaceTemplate", "jupyterlab").Spec.DefaultImage; img != "quay.io/jupyter/base-notebook:x1" {
		t.Errorf("jupyterlab image with tag x1 = %q", img)
	}
	vs = named[wsv1.WorkspaceTemplate](t, set, "WorkspaceTemplate", "vscode")
	if vs.Spec.DefaultTunnel == nil || vs.Spec.DefaultTunnel.Port != 2222 || vs.Spec.IdleShutdown.MaxIdleTimeoutInMinutes != 120 {
		t.Errorf("vscode with tunnelPort 2222, max idle 120 = %+v %+v", vs.Spec.DefaultTunnel, vs.Spec.IdleShutdown)
	}
	off := renderGuided(t, "--set", "guided.templates.vscode.tunnelPort=0", "--set", "guided.templates.jupyterlab.enabled=false")
	if has(off, "WorkspaceTemplate/jupyterlab") {
		t.Error("jupyterlab.enabled=false still renders it")
	}
	if tun := named[wsv1.WorkspaceTemplate](t, off, "WorkspaceTemplate", "vscode").Spec.DefaultTunnel; tun != nil {
		t.Errorf("tunnelPort 0 renders defaultTunnel %+v", tun)
	}
}

func decode(t *testing.T, d doc, v any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(d.raw, v); err != nil {
		t.Fatalf("decode %s %s/%s: %v", d.Kind, d.Namespace, d.Name, err)
	}
}

// guided.oidc.issuerURL: the admin's own provider instead of Dex. No Dex
// objects, the WorkspaceManager uses that issuer and client, and the
// client secret is the value given (never generated), or none at all for
// a public client.
func TestGuidedOwnIdP(t *testing.T) {
	own := []string{"--set", "guided.oidc.issuerURL=https://login.example.com/realms/ide", "--set", "guided.oidc.clientID=ide",
		"--set", "guided.oidc.clientSecret=s3cret", "--set", "guided.dex.staticUsers=null"}
	docs := renderGuided(t, own...)
	for _, o := range []string{"Secret/weir-dex", "Deployment/weir-dex", "Service/weir-dex", "Ingress/weir-dex"} {
		if has(docs, o) {
			t.Errorf("with guided.oidc.issuerURL, the chart still renders %s", o)
		}
	}
	if n := count(docs, "Deployment"); n != 2 {
		t.Errorf("got %d Deployments, want 2: manager, caddy", n)
	}
	wsm := named[wsv1.WorkspaceManager](t, docs, "WorkspaceManager", "weir")
	want := wsv1.OIDCAuthentication{
		IssuerURL: "https://login.example.com/realms/ide", ClientID: "ide",
		ClientSecretRef: &wsv1.SecretKeySelector{Name: "weir-oidc", Key: "client-secret"},
		Scopes:          []string{"openid", "email", "profile", "groups"},
		UsernameClaim:   "email", GroupsClaim: "groups",
	}
	if got := wsm.Spec.Authentication.OIDC; !reflect.DeepEqual(got, want) {
		t.Errorf("WorkspaceManager oidc:\n got %s\nwant %s", dump(t, got), dump(t, want))
	}
	// The value given, the same at every render (not generated, so no
	// lookup or upgrade replaces it).
	for i := 0; i < 2; i++ {
		if sec := named[corev1.Secret](t, renderGuided(t, own...), "Secret", "weir-oidc"); string(sec.Data["client-secret"]) != "s3cret" {
			t.Errorf("render %d: client-secret = %q, want guided.oidc.clientSecret", i, sec.Data["client-secret"])
		}
	}
	// No secret: a public client (PKCE alone), no Secret to read.
	public := renderGuided(t, "--set", "guided.oidc.issuerURL=https://login.example.com", "--set", "guided.oidc.scopes={openid,email}")
	if has(public, "Secret/weir-oidc") || has(public, "Deployment/weir-dex") {
		t.Errorf("a public client of your own provider renders %s", kinds(public))
	}
	o := named[wsv1.WorkspaceManager](t, public, "WorkspaceManager", "weir").Spec.Authentication.OIDC
	if o.ClientSecretRef != nil || o.ClientID != "weir" || !slices.Equal(o.Scopes, []string{"openid", "email"}) {
		t.Errorf("public client oidc = %s, want client weir, no secret, scopes openid email", dump(t, o))
	}
	// Dex (the default) registers the clientID it is given.
	dex := named[corev1.Secret](t, renderGuided(t, "--set", "guided.oidc.clientID=ide"), "Secret", "weir-dex")
	if !strings.Contains(dex.StringData["config.yaml"], `- id: "ide"`) {
		t.Errorf("Dex's client with guided.oidc.clientID=ide:\n%s", dex.StringData["config.yaml"])
	}
	for _, tc := range []struct{ set, want string }{
		{"guided.oidc.issuerURL=login.example.com", "issuerURL"},
		{"guided.oidc.clientID=", "clientID"},
		{"guided.oidc.extra=1", "extra"},
	} {
		out, err := helm(t, "template", "weir", chartDir, "-f", guidedValues, "--set", tc.set)
		if err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("--set %s: err %v, want a schema error naming %s:\n%s", tc.set, err, tc.want, out)
		}
	}
}
