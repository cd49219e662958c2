package helm_test

import (
	"cmp"
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
	"sigs.k8s.io/yaml"

	"github.com/weir-dev/weir/webhooks"
)

const (
	validatingConfig = "weir-validating"
	mutatingConfig   = "weir-mutating"
	webhookService   = "weir-webhook"
	webhookSecret    = "weir-webhook-cert"
	certDir          = "/tmp/k8s-webhook-server/serving-certs"
	injectCAFrom     = "cert-manager.io/inject-ca-from"
)

// hook is the part of a validating or mutating webhook the chart sets, so
// both kinds compare against one expectation.
type hook struct {
	Name                    string
	ClientConfig            admissionregistrationv1.WebhookClientConfig
	Rules                   []admissionregistrationv1.RuleWithOperations
	FailurePolicy           *admissionregistrationv1.FailurePolicyType
	MatchPolicy             *admissionregistrationv1.MatchPolicyType
	NamespaceSelector       *metav1.LabelSelector
	ObjectSelector          *metav1.LabelSelector
	SideEffects             *admissionregistrationv1.SideEffectClass
	TimeoutSeconds          *int32
	AdmissionReviewVersions []string
	MatchConditions         []admissionregistrationv1.MatchCondition
	ReinvocationPolicy      *admissionregistrationv1.ReinvocationPolicyType
}

func validatingHooks(c admissionregistrationv1.ValidatingWebhookConfiguration) []hook {
	var hs []hook
	for _, w := range c.Webhooks {
		hs = append(hs, hook{w.Name, w.ClientConfig, w.Rules, w.FailurePolicy, w.MatchPolicy, w.NamespaceSelector,
			w.ObjectSelector, w.SideEffects, w.TimeoutSeconds, w.AdmissionReviewVersions, w.MatchConditions, nil})
	}
	return hs
}

func mutatingHooks(c admissionregistrationv1.MutatingWebhookConfiguration) []hook {
	var hs []hook
	for _, w := range c.Webhooks {
		hs = append(hs, hook{w.Name, w.ClientConfig, w.Rules, w.FailurePolicy, w.MatchPolicy, w.NamespaceSelector,
			w.ObjectSelector, w.SideEffects, w.TimeoutSeconds, w.AdmissionReviewVersions, w.MatchConditions, w.ReinvocationPolicy})
	}
	return hs
}

// hookSpec describes one of Weir's webhooks.
type hookSpec struct {
	name, path, group, resource string
	scope                       admissionregistrationv1.ScopeType
	operations                  []admissionregistrationv1.OperationType
	mutating                    bool
}

// tableHooks are Weir's webhooks as webhooks.Table lists them, the one list
// the manager serves and every install is generated from: each
// configuration must hold exactly these, in this order.
func tableHooks(mutating bool) []hookSpec {
	var specs []hookSpec
	for _, h := range webhooks.Table {
		if h.Mutating == mutating {
			specs = append(specs, hookSpec{h.Name, h.Path, h.GroupVersion.Group, h.Resources[0], h.Scope, h.Operations, h.Mutating})
		}
	}
	return specs
}

// changesWhatPoliciesRead is the matchCondition every webhook has, in every
// install: an UPDATE that changes neither spec, labels, annotations nor
// (unless the object is being deleted) ownerReferences, such as the
// controller adding or removing its finalizer, is not sent to Weir. Spelled
// out here rather than read from webhooks.Table, so that a change of it is a
// change of this test too. The webhooks envtest suite checks through a real
// API server that such writes reach no webhook and others still do.
const changesWhatPoliciesRead = `request.operation != 'UPDATE' || ` +
	`(has(object.spec) ? object.spec : {}) != (has(oldObject.spec) ? oldObject.spec : {}) || ` +
	`(has(object.metadata.labels) ? object.metadata.labels : {}) != (has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}) || ` +
	`(has(object.metadata.annotations) ? object.metadata.annotations : {}) != (has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}) || ` +
	`(!has(object.metadata.deletionTimestamp) && ` +
	`(has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) != (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : []))`

// hookSettings are the values-driven parts of every webhook.
type hookSettings struct {
	failurePolicy admissionregistrationv1.FailurePolicyType
	timeout       int32
	// excluded namespaces, in order
	excluded []string
	// included namespaces (watchNamespaces), in order; none: all
	included []string
	// clientConfig for a path
	client func(path string) admissionregistrationv1.WebhookClientConfig
	// configuration names, when not validatingConfig and mutatingConfig
	validating, mutating string
}

func serviceClient(namespace string) func(string) admissionregistrationv1.WebhookClientConfig {
	return func(path string) admissionregistrationv1.WebhookClientConfig {
		return admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{
			Name: webhookService, Namespace: namespace, Path: &path, Port: ptr(int32(443)),
		}}
	}
}

func (s hookSpec) want(set hookSettings) hook {
	h := hook{
		Name:         s.name,
		ClientConfig: set.client(s.path),
		Rules: []admissionregistrationv1.RuleWithOperations{{
			Operations: s.operations,
			Rule: admissionregistrationv1.Rule{
				APIGroups: []string{s.group}, APIVersions: []string{"v1alpha1"}, Resources: []string{s.resource},
				Scope: ptr(s.scope),
			},
		}},
		FailurePolicy: ptr(set.failurePolicy),
		MatchPolicy:   ptr(admissionregistrationv1.Equivalent),
		NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
			Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: set.excluded,
		}}},
		SideEffects:             ptr(admissionregistrationv1.SideEffectClassNone),
		TimeoutSeconds:          ptr(set.timeout),
		AdmissionReviewVersions: []string{"v1"},
		MatchConditions:         []admissionregistrationv1.MatchCondition{{Name: "changes-what-policies-read", Expression: changesWhatPoliciesRead}},
	}
	if len(set.included) > 0 {
		h.NamespaceSelector.MatchExpressions = append(h.NamespaceSelector.MatchExpressions, metav1.LabelSelectorRequirement{
			Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpIn, Values: set.included,
		})
	}
	if s.mutating {
		h.ReinvocationPolicy = ptr(admissionregistrationv1.NeverReinvocationPolicy)
	}
	return h
}

func wantHooks(set hookSettings, specs ...hookSpec) []hook {
	var hs []hook
	for _, s := range specs {
		hs = append(hs, s.want(set))
	}
	return hs
}

// checkConfigurations compares both rendered configurations with Weir's
// webhooks (webhooks.Table), field by field.
func checkConfigurations(t *testing.T, docs []doc, set hookSettings) (admissionregistrationv1.ValidatingWebhookConfiguration, admissionregistrationv1.MutatingWebhookConfiguration) {
	t.Helper()
	vName, mName := cmp.Or(set.validating, validatingConfig), cmp.Or(set.mutating, mutatingConfig)
	v := named[admissionregistrationv1.ValidatingWebhookConfiguration](t, docs, "ValidatingWebhookConfiguration", vName)
	m := named[admissionregistrationv1.MutatingWebhookConfiguration](t, docs, "MutatingWebhookConfiguration", mName)
	if got, want := validatingHooks(v), wantHooks(set, tableHooks(false)...); !reflect.DeepEqual(got, want) {
		t.Errorf("%s webhooks:\n got %s\nwant %s", vName, dump(t, got), dump(t, want))
	}
	if got, want := mutatingHooks(m), wantHooks(set, tableHooks(true)...); !reflect.DeepEqual(got, want) {
		t.Errorf("%s webhooks:\n got %s\nwant %s", mName, dump(t, got), dump(t, want))
	}
	return v, m
}

var defaultHooks = hookSettings{
	failurePolicy: admissionregistrationv1.Fail, timeout: 5,
	excluded: []string{"kube-system", "weir"}, client: serviceClient("weir"),
}

// The default install: both configurations, self-signed certificates.
func TestWebhooksDefault(t *testing.T) {
	docs := render(t)
	v, m := checkConfigurations(t, docs, defaultHooks)
	for _, meta := range []metav1.ObjectMeta{v.ObjectMeta, m.ObjectMeta} {
		if _, ok := meta.Annotations[injectCAFrom]; ok {
			t.Errorf("%s has %s without cert-manager", meta.Name, injectCAFrom)
		}
	}

	dep := only[appsv1.Deployment](t, docs, "Deployment")
	checkWebhookService(t, docs, dep)
	c := dep.Spec.Template.Spec.Containers[0]
	checkArgs(t, c.Args, []string{
		"--webhooks=true",
		"--webhook-port=9443",
		"--webhook-cert-dir=" + certDir,
		"--webhook-certs=self-signed",
		"--webhook-secret=weir/" + webhookSecret,
		"--webhook-dns-name=weir-webhook.weir.svc",
		"--validating-webhook-configuration=" + validatingConfig,
		"--mutating-webhook-configuration=" + mutatingConfig,
		"--default-policies=true",
	})
	checkWebhookPort(t, c, 9443)
	// The root filesystem is read-only: the cert dir is a writable emptyDir.
	vol := checkCertVolume(t, dep, false)
	if vol.EmptyDir == nil || vol.Secret != nil {
		t.Errorf("cert volume = %+v, want an emptyDir", vol.VolumeSource)
	}
	checkRestricted(t, dep)

	// The rotator updates an existing Secret: the chart creates it, empty.
	s := named[corev1.Secret](t, docs, "Secret", webhookSecret)
	if s.Namespace != "weir" || s.Type != corev1.SecretTypeOpaque || len(s.Data) != 0 || len(s.StringData) != 0 {
		t.Errorf("Secret %s = namespace %q type %q data %v %v, want an empty Opaque Secret in weir",
			webhookSecret, s.Namespace, s.Type, s.Data, s.StringData)
	}
	role := named[rbacv1.Role](t, docs, "Role", rotatorRole)
	wantRules := []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{webhookSecret}, Verbs: []string{"update"}},
	}
	if role.Namespace != "weir" || !reflect.DeepEqual(role.Rules, wantRules) {
		t.Errorf("Role %s = namespace %q rules %+v, want in weir %+v", rotatorRole, role.Namespace, role.Rules, wantRules)
	}
	checkBinding(t, docs, "RoleBinding", rotatorRole, "weir", "Role", dep)
	cr := named[rbacv1.ClusterRole](t, docs, "ClusterRole", clusterRole)
	for _, r := range rotatorClusterRules {
		if !slices.ContainsFunc(cr.Rules, func(g rbacv1.PolicyRule) bool { return reflect.DeepEqual(g, r) }) {
			t.Errorf("ClusterRole %s lacks the rotator's rule %+v (has %+v)", clusterRole, r, cr.Rules)
		}
	}
	if n := count(docs, "Certificate") + count(docs, "Issuer"); n != 0 {
		t.Errorf("rendered %d cert-manager objects without cert-manager (%s)", n, kinds(docs))
	}
}

// Every webhook value reaches every webhook, and the release namespace, not
// a fixed one, is excluded.
func TestWebhookValues(t *testing.T) {
	docs := render(t, "--namespace", "platform",
		"--set", "webhooks.failurePolicy=Ignore", "--set", "webhooks.timeoutSeconds=12", "--set", "webhooks.port=9555",
		"--set", "policies.defaultBundle=false")
	checkConfigurations(t, docs, hookSettings{
		failurePolicy: admissionregistrationv1.Ignore, timeout: 12,
		excluded: []string{"kube-system", "platform"}, client: serviceClient("platform"),
	})
	dep := only[appsv1.Deployment](t, docs, "Deployment")
	c := dep.Spec.Template.Spec.Containers[0]
	checkArgs(t, c.Args, []string{
		"--webhook-port=9555", "--webhook-secret=platform/" + webhookSecret,
		"--webhook-dns-name=weir-webhook.platform.svc", "--default-policies=false",
	})
	checkWebhookPort(t, c, 9555)

	// Installed into kube-system, the selector still names it once.
	docs = render(t, "--namespace", "kube-system")
	checkConfigurations(t, docs, hookSettings{
		failurePolicy: admissionregistrationv1.Fail, timeout: 5,
		excluded: []string{"kube-system"}, client: serviceClient("kube-system"),
	})
}

func TestWebhookValuesSchema(t *testing.T) {
	for _, tc := range []struct{ set, mention string }{
		{"webhooks.failurePolicy=Maybe", "failurePolicy"},
		{"webhooks.timeoutSeconds=0", "timeoutSeconds"},
		{"webhooks.timeoutSeconds=31", "timeoutSeconds"},
		{"webhooks.port=0", "port"},
		{"webhooks.enabled=yes", "enabled"},
		{"webhooks.typo=1", "typo"},
		{"certManager.enabled=maybe", "enabled"},
		{"certManager.issuerRef.kind=ClusterIssuer", "name"},
		{"certManager.issuerRef.namespace=x", "namespace"},
		{"policies.defaultBundle=sometimes", "defaultBundle"},
	} {
		out, err := helm(t, "template", "weir", chartDir, "--set", tc.set)
		if err == nil {
			t.Errorf("helm template --set %s succeeded, want a schema error", tc.set)
		} else if !strings.Contains(out, tc.mention) {
			t.Errorf("helm template --set %s: error does not mention %q:\n%s", tc.set, tc.mention, out)
		}
	}
}

// cert-manager issues the certificate and injects the CA; Weir gets no rights
// on Secrets or webhook configurations.
func TestCertManager(t *testing.T) {
	docs := render(t, "--set", "certManager.enabled=true")
	v, m := checkConfigurations(t, docs, defaultHooks)
	for _, meta := range []metav1.ObjectMeta{v.ObjectMeta, m.ObjectMeta} {
		if got := meta.Annotations[injectCAFrom]; got != "weir/weir-webhook" {
			t.Errorf("%s annotation %s = %q, want weir/weir-webhook", meta.Name, injectCAFrom, got)
		}
	}

	issuer := unstructuredNamed(t, docs, "Issuer", "weir-selfsigned")
	if issuer.GetAPIVersion() != "cert-manager.io/v1" || issuer.GetNamespace() != "weir" {
		t.Errorf("Issuer = %s in %q, want cert-manager.io/v1 in weir", issuer.GetAPIVersion(), issuer.GetNamespace())
	}
	if ss, ok, _ := unstructured.NestedMap(issuer.Object, "spec", "selfSigned"); !ok || len(ss) != 0 {
		t.Errorf("Issuer spec = %v, want selfSigned: {}", issuer.Object["spec"])
	}
	checkCertificate(t, docs, map[string]any{"name": "weir-selfsigned", "kind": "Issuer", "group": "cert-manager.io"})

	dep := only[appsv1.Deployment](t, docs, "Deployment")
	c := dep.Spec.Template.Spec.Containers[0]
	checkArgs(t, c.Args, []string{"--webhooks=true", "--webhook-port=9443", "--webhook-cert-dir=" + certDir, "--webhook-certs=external"})
	for _, flag := range []string{"--webhook-certs=self-signed", "--webhook-secret", "--webhook-dns-name", "--validating-webhook-configuration", "--mutating-webhook-configuration"} {
		if hasPrefix(c.Args, flag) {
			t.Errorf("args %q have %s with cert-manager", c.Args, flag)
		}
	}
	checkWebhookPort(t, c, 9443)
	vol := checkCertVolume(t, dep, true)
	if vol.Secret == nil || vol.Secret.SecretName != webhookSecret || vol.EmptyDir != nil {
		t.Errorf("cert volume = %+v, want Secret %s", vol.VolumeSource, webhookSecret)
	}
	checkRestricted(t, dep)
	checkWebhookService(t, docs, dep)

	for _, d := range docs {
		if d.Kind == "Secret" {
			t.Errorf("rendered Secret %s with cert-manager: cert-manager creates it", d.Name)
		}
		if (d.Kind == "Role" || d.Kind == "RoleBinding") && d.Name == rotatorRole {
			t.Errorf("rendered the rotator's %s %s with cert-manager", d.Kind, d.Name)
		}
	}
	checkNoWebhookConfigRules(t, docs)
}

// An issuerRef replaces the chart's own Issuer.
func TestCertManagerIssuerRef(t *testing.T) {
	docs := render(t, "--set", "certManager.enabled=true",
		"--set", "certManager.issuerRef.name=corp-ca", "--set", "certManager.issuerRef.kind=ClusterIssuer")
	if n := count(docs, "Issuer"); n != 0 {
		t.Errorf("rendered %d Issuers with an issuerRef, want none (%s)", n, kinds(docs))
	}
	checkCertificate(t, docs, map[string]any{"name": "corp-ca", "kind": "ClusterIssuer", "group": "cert-manager.io"})

	docs = render(t, "--set", "certManager.enabled=true",
		"--set", "certManager.issuerRef.name=vault", "--set", "certManager.issuerRef.kind=VaultIssuer",
		"--set", "certManager.issuerRef.group=example.com")
	checkCertificate(t, docs, map[string]any{"name": "vault", "kind": "VaultIssuer", "group": "example.com"})
}

// webhooks.enabled=false: no webhook, Service, certificate or their RBAC.
func TestWebhooksDisabled(t *testing.T) {
	for _, args := range [][]string{
		{"--set", "webhooks.enabled=false"},
		{"--set", "webhooks.enabled=false", "--set", "certManager.enabled=true"},
	} {
		docs := render(t, args...)
		for _, d := range docs {
			switch {
			case d.Kind == "ValidatingWebhookConfiguration", d.Kind == "MutatingWebhookConfiguration",
				d.Kind == "Certificate", d.Kind == "Issuer", d.Kind == "Secret",
				d.Name == webhookService, d.Name == rotatorRole:
				t.Errorf("%v: rendered %s %s with webhooks disabled", args, d.Kind, d.Name)
			}
		}
		dep := only[appsv1.Deployment](t, docs, "Deployment")
		c := dep.Spec.Template.Spec.Containers[0]
		checkArgs(t, c.Args, []string{"--webhooks=false", "--default-policies=true"})
		if hasPrefix(c.Args, "--webhook-") || slices.Contains(c.Args, "--webhooks=true") {
			t.Errorf("%v: args %q configure webhooks that are disabled", args, c.Args)
		}
		if slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == "webhook" }) {
			t.Errorf("%v: container exposes a webhook port: %+v", args, c.Ports)
		}
		// Only the plugin cache: no certificate volume.
		if len(dep.Spec.Template.Spec.Volumes) != 1 || len(c.VolumeMounts) != 1 {
			t.Errorf("%v: volumes %+v mounts %+v, want only the plugin cache", args, dep.Spec.Template.Spec.Volumes, c.VolumeMounts)
		}
		checkPluginCache(t, dep, "1Gi")
		checkRestricted(t, dep)
		checkNoWebhookConfigRules(t, docs)
		// Without the rotator, weir-cluster holds only files/role.yaml's
		// cluster-scoped rules, and is not rendered when there are none.
		_, cluster := splitRoleFile(roleFileRules(t))
		if len(cluster) == 0 {
			if n := count(docs, "ClusterRole"); n != 1 {
				t.Errorf("%v: got %d ClusterRoles, want only %s (%s)", args, n, managerRole, kinds(docs))
			}
		} else if cr := named[rbacv1.ClusterRole](t, docs, "ClusterRole", clusterRole); !reflect.DeepEqual(cr.Rules, cluster) {
			t.Errorf("%v: %s rules = %+v, want %+v", args, clusterRole, cr.Rules, cluster)
		}
	}
}

func checkWebhookService(t *testing.T, docs []doc, dep appsv1.Deployment) {
	t.Helper()
	svc := named[corev1.Service](t, docs, "Service", webhookService)
	if svc.Namespace != "weir" {
		t.Errorf("Service %s namespace = %q, want weir", webhookService, svc.Namespace)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 443 || svc.Spec.Ports[0].TargetPort.String() != "webhook" {
		t.Errorf("Service %s ports = %+v, want 443 -> webhook", webhookService, svc.Spec.Ports)
	}
	if !reflect.DeepEqual(svc.Spec.Selector, dep.Spec.Selector.MatchLabels) {
		t.Errorf("Service %s selector = %v, want the Deployment's %v", webhookService, svc.Spec.Selector, dep.Spec.Selector.MatchLabels)
	}
}

func checkArgs(t *testing.T, args, want []string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(args, w) {
			t.Errorf("args %q lack %q", args, w)
		}
	}
	for _, flag := range []string{"--webhooks=", "--webhook-certs=", "--default-policies="} {
		if n := len(slices.DeleteFunc(slices.Clone(args), func(a string) bool { return !strings.HasPrefix(a, flag) })); n > 1 {
			t.Errorf("args %q set %s %d times", args, flag, n)
		}
	}
}

func checkWebhookPort(t *testing.T, c corev1.Container, port int32) {
	t.Helper()
	want := corev1.ContainerPort{Name: "webhook", ContainerPort: port, Protocol: corev1.ProtocolTCP}
	if !slices.Contains(c.Ports, want) {
		t.Errorf("container ports %+v lack %+v", c.Ports, want)
	}
}

// checkCertVolume returns the volume mounted at the cert dir.
func checkCertVolume(t *testing.T, dep appsv1.Deployment, readOnly bool) corev1.Volume {
	t.Helper()
	c := dep.Spec.Template.Spec.Containers[0]
	i := slices.IndexFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == certDir })
	if i < 0 {
		t.Fatalf("no volume mounted at %s: %+v", certDir, c.VolumeMounts)
	}
	if c.VolumeMounts[i].ReadOnly != readOnly {
		t.Errorf("cert dir mount readOnly = %v, want %v", c.VolumeMounts[i].ReadOnly, readOnly)
	}
	vols := dep.Spec.Template.Spec.Volumes
	j := slices.IndexFunc(vols, func(v corev1.Volume) bool { return v.Name == c.VolumeMounts[i].Name })
	if j < 0 {
		t.Fatalf("mount %s names no volume (%+v)", c.VolumeMounts[i].Name, vols)
	}
	return vols[j]
}

func checkCertificate(t *testing.T, docs []doc, issuerRef map[string]any) {
	t.Helper()
	cert := unstructuredNamed(t, docs, "Certificate", "weir-webhook")
	if cert.GetAPIVersion() != "cert-manager.io/v1" || cert.GetNamespace() != "weir" {
		t.Errorf("Certificate = %s in %q, want cert-manager.io/v1 in weir", cert.GetAPIVersion(), cert.GetNamespace())
	}
	if got, _, _ := unstructured.NestedString(cert.Object, "spec", "secretName"); got != webhookSecret {
		t.Errorf("Certificate secretName = %q, want %s", got, webhookSecret)
	}
	got, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames")
	want := []string{"weir-webhook", "weir-webhook.weir", "weir-webhook.weir.svc", "weir-webhook.weir.svc.cluster.local"}
	if !slices.Equal(got, want) {
		t.Errorf("Certificate dnsNames = %q, want %q", got, want)
	}
	if ref, _, _ := unstructured.NestedMap(cert.Object, "spec", "issuerRef"); !reflect.DeepEqual(ref, issuerRef) {
		t.Errorf("Certificate issuerRef = %v, want %v", ref, issuerRef)
	}
}

// checkNoWebhookConfigRules: nothing may touch webhook configurations unless
// Weir injects its own CA.
func checkNoWebhookConfigRules(t *testing.T, docs []doc) {
	t.Helper()
	for _, d := range docs {
		if d.Kind != "ClusterRole" && d.Kind != "Role" {
			continue
		}
		var r rbacv1.ClusterRole
		if err := yaml.UnmarshalStrict(d.raw, &r); err != nil {
			t.Fatalf("decode %s %s: %v", d.Kind, d.Name, err)
		}
		for _, rule := range r.Rules {
			if slices.Contains(rule.APIGroups, "admissionregistration.k8s.io") || slices.Contains(rule.ResourceNames, webhookSecret) {
				t.Errorf("%s %s grants %+v without the self-signed rotator", d.Kind, d.Name, rule)
			}
		}
	}
}

func unstructuredNamed(t *testing.T, docs []doc, kind, name string) unstructured.Unstructured {
	t.Helper()
	var found []doc
	for _, d := range docs {
		if d.Kind == kind && d.Name == name {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want exactly one %s %q, got %d (rendered: %s)", kind, name, len(found), kinds(docs))
	}
	var obj map[string]any
	if err := yaml.Unmarshal(found[0].raw, &obj); err != nil {
		t.Fatalf("decode %s %s: %v", kind, name, err)
	}
	return unstructured.Unstructured{Object: obj}
}

func dump(t *testing.T, v any) string {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return "\n" + string(b)
}

func ptr[T any](v T) *T { return &v }

// Every webhook name derives from the release's full name, and each
// reference (flags, RBAC, annotations, volume) names the same object.
func TestWebhookNamesFollowRelease(t *testing.T) {
	const full = "acme-weir" // release "acme" + chart "weir"
	docs := renderRelease(t, chartDir, "acme")
	named[admissionregistrationv1.ValidatingWebhookConfiguration](t, docs, "ValidatingWebhookConfiguration", full+"-validating")
	m := named[admissionregistrationv1.MutatingWebhookConfiguration](t, docs, "MutatingWebhookConfiguration", full+"-mutating")
	if s := m.Webhooks[0].ClientConfig.Service; s == nil || s.Name != full+"-webhook" {
		t.Errorf("mutating webhook service = %+v, want %s-webhook", s, full)
	}
	named[corev1.Service](t, docs, "Service", full+"-webhook")
	named[corev1.Secret](t, docs, "Secret", full+"-webhook-cert")
	c := only[appsv1.Deployment](t, docs, "Deployment").Spec.Template.Spec.Containers[0]
	checkArgs(t, c.Args, []string{
		"--webhook-secret=weir/" + full + "-webhook-cert",
		"--webhook-dns-name=" + full + "-webhook.weir.svc",
		"--validating-webhook-configuration=" + full + "-validating",
		"--mutating-webhook-configuration=" + full + "-mutating",
	})
	role := named[rbacv1.Role](t, docs, "Role", full+"-webhook-certs")
	if got := role.Rules[len(role.Rules)-1].ResourceNames; !slices.Equal(got, []string{full + "-webhook-cert"}) {
		t.Errorf("rotator Role updates %q, want %s-webhook-cert", got, full)
	}
	cr := named[rbacv1.ClusterRole](t, docs, "ClusterRole", full+"-cluster")
	if got := cr.Rules[len(cr.Rules)-1].ResourceNames; !slices.Equal(got, []string{full + "-validating", full + "-mutating"}) {
		t.Errorf("%s-cluster updates %q, want the release's two configurations", full, got)
	}

	docs = renderRelease(t, chartDir, "acme", "--set", "certManager.enabled=true")
	v := named[admissionregistrationv1.ValidatingWebhookConfiguration](t, docs, "ValidatingWebhookConfiguration", full+"-validating")
	if got := v.Annotations[injectCAFrom]; got != "weir/"+full+"-webhook" {
		t.Errorf("%s = %q, want weir/%s-webhook", injectCAFrom, got, full)
	}
	cert := unstructuredNamed(t, docs, "Certificate", full+"-webhook")
	if got, _, _ := unstructured.NestedString(cert.Object, "spec", "secretName"); got != full+"-webhook-cert" {
		t.Errorf("Certificate secretName = %q, want %s-webhook-cert", got, full)
	}
	if got, _, _ := unstructured.NestedString(cert.Object, "spec", "issuerRef", "name"); got != full+"-selfsigned" {
		t.Errorf("Certificate issuerRef.name = %q, want %s-selfsigned", got, full)
	}
	unstructuredNamed(t, docs, "Issuer", full+"-selfsigned")
	vol := checkCertVolume(t, only[appsv1.Deployment](t, docs, "Deployment"), true)
	if vol.Secret == nil || vol.Secret.SecretName != full+"-webhook-cert" {
		t.Errorf("cert volume = %+v, want Secret %s-webhook-cert", vol.VolumeSource, full)
	}
}
