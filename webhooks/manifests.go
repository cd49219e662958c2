package webhooks

import (
	"bytes"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Install says how one install names its webhook configurations and how
// the API server reaches Weir.
type Install struct {
	ValidatingName, MutatingName string
	// Namespace is Weir's: kept out of reach of the webhooks with
	// kube-system, so a broken Weir cannot lock either out.
	Namespace string
	// Client is the clientConfig for a path.
	Client func(path string) admissionregistrationv1.WebhookClientConfig
}

// matchConditions are every webhook's: changes-what-policies-read.
func matchConditions() []admissionregistrationv1.MatchCondition {
	return []admissionregistrationv1.MatchCondition{{Name: MatchConditionChangesWhatPoliciesRead, Expression: ChangesWhatPoliciesReadExpression}}
}

// Configurations renders Table for one install. No caBundle: Weir's
// rotator or cert-manager's cainjector injects it.
func Configurations(in Install) (*admissionregistrationv1.ValidatingWebhookConfiguration, *admissionregistrationv1.MutatingWebhookConfiguration) {
	v := &admissionregistrationv1.ValidatingWebhookConfiguration{
		TypeMeta:   metav1.TypeMeta{APIVersion: admissionregistrationv1.SchemeGroupVersion.String(), Kind: "ValidatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{Name: in.ValidatingName},
	}
	m := &admissionregistrationv1.MutatingWebhookConfiguration{
		TypeMeta:   metav1.TypeMeta{APIVersion: admissionregistrationv1.SchemeGroupVersion.String(), Kind: "MutatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{Name: in.MutatingName},
	}
	for _, h := range Table {
		fail, equivalent, none := admissionregistrationv1.Fail, admissionregistrationv1.Equivalent, admissionregistrationv1.SideEffectClassNone
		timeout := int32(TimeoutSeconds)
		client := in.Client(h.Path)
		conditions := matchConditions()
		selector := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
			Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"kube-system", in.Namespace},
		}}}
		if h.Mutating {
			never := admissionregistrationv1.NeverReinvocationPolicy
			m.Webhooks = append(m.Webhooks, admissionregistrationv1.MutatingWebhook{
				Name: h.Name, ClientConfig: client, Rules: h.Rules(), FailurePolicy: &fail, MatchPolicy: &equivalent,
				NamespaceSelector: selector, SideEffects: &none, TimeoutSeconds: &timeout,
				AdmissionReviewVersions: []string{"v1"}, MatchConditions: conditions, ReinvocationPolicy: &never,
			})
			continue
		}
		v.Webhooks = append(v.Webhooks, admissionregistrationv1.ValidatingWebhook{
			Name: h.Name, ClientConfig: client, Rules: h.Rules(), FailurePolicy: &fail, MatchPolicy: &equivalent,
			NamespaceSelector: selector, SideEffects: &none, TimeoutSeconds: &timeout,
			AdmissionReviewVersions: []string{"v1"}, MatchConditions: conditions,
		})
	}
	return v, m
}

// The installs config/ describes. Both keep weir-system out of reach;
// config/default's replacements move it with a `namespace:`.
var (
	// KustomizeInstall: through the Service weir-webhook.
	KustomizeInstall = Install{ValidatingName: "weir-validating", MutatingName: "weir-mutating", Namespace: "weir-system",
		Client: func(path string) admissionregistrationv1.WebhookClientConfig {
			port := int32(443)
			return admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{
				Name: "weir-webhook", Namespace: "weir-system", Path: &path, Port: &port}}
		}}
	// LocalInstall: an operator outside the cluster, on localhost. Its
	// names differ from the installed ones, so `make run` and an install
	// never overwrite each other's objects.
	LocalInstall = Install{ValidatingName: "weir-local-validating", MutatingName: "weir-local-mutating", Namespace: "weir-system",
		Client: func(path string) admissionregistrationv1.WebhookClientConfig {
			url := "https://localhost:9443" + path
			return admissionregistrationv1.WebhookClientConfig{URL: &url}
		}}
)

// Generated files, relative to the repository root, written by
// `go run ./webhooks/gen` (make manifests).
const (
	FileKustomize = "config/webhook/manifests.yaml"
	FileLocal     = "config/webhook/local/manifests.yaml"
	FileChart     = "charts/weir/files/webhooks.yaml"
)

const generated = "# Generated from webhooks/table.go by `go run ./webhooks/gen` (make manifests): do not edit.\n"

const kustomizeHeader = generated + `# Weir's admission webhooks, reached through the Service weir-webhook
# (service.yaml). failurePolicy Fail is safe because they only cover Weir's
# own kinds and the namespaceSelector keeps kube-system and weir-system out
# of reach (it has no effect on cluster-scoped kinds). No caBundle: Weir's
# rotator or cert-manager's cainjector injects it. The matchCondition
# changes-what-policies-read lets through, unjudged, an UPDATE that changes
# neither spec, labels, annotations nor (unless the object is being
# deleted) ownerReferences: the controller adding or removing its
# finalizer has nothing for a policy to judge or default, and a bundle
# that errors must not keep an object, and its namespace, Terminating.
`

const localHeader = generated + `# The webhooks for an operator running OUTSIDE the cluster (make run, e2e on a
# local kwok cluster whose API server runs on this host): the API server calls
# https://localhost:9443 directly, so there is no Service. Not part of any
# kustomization; hack/run.sh applies it (on the port it picked) and deletes it
# when it stops, and runs the manager with
#   --webhook-certs=self-signed --webhook-dns-name=localhost
#   --webhook-secret=weir-system/weir-local-webhook-cert (the namespace must exist)
#   --webhook-cert-dir=<a writable local directory>
#   --validating-webhook-configuration=weir-local-validating
#   --mutating-webhook-configuration=weir-local-mutating
# so that it issues a certificate for localhost and injects its CA here.
# The names (and the Secret's) differ from those of the chart and
# config/default, so ` + "`make run`" + ` and an installed Weir never
# overwrite each other's objects: ` + "`helm install`" + ` works after ` + "`make run`" + `.
`

const chartHeader = generated + `# What differs between Weir's webhooks; templates/webhook-configurations.yaml
# ranges over validating and mutating and adds what they share
# (weir.webhookCommon, which reads matchConditions from here).
`

// chartFile is files/webhooks.yaml: the webhooks of each configuration
// and the matchConditions they share.
type chartFile struct {
	MatchConditions []admissionregistrationv1.MatchCondition `json:"matchConditions"`
	Validating      []chartHook                              `json:"validating"`
	Mutating        []chartHook                              `json:"mutating"`
}

// chartHook is one webhook as the chart template reads it.
type chartHook struct {
	Name               string                                          `json:"name"`
	Path               string                                          `json:"path"`
	Rules              []admissionregistrationv1.RuleWithOperations    `json:"rules"`
	ReinvocationPolicy *admissionregistrationv1.ReinvocationPolicyType `json:"reinvocationPolicy,omitempty"`
}

// GeneratedFiles renders every file generated from Table, by path
// relative to the repository root.
func GeneratedFiles() (map[string][]byte, error) {
	out := map[string][]byte{}
	for file, in := range map[string]Install{FileKustomize: KustomizeInstall, FileLocal: LocalInstall} {
		header := kustomizeHeader
		if file == FileLocal {
			header = localHeader
		}
		v, m := Configurations(in)
		b, err := yamlDocs(header, v, m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		out[file] = b
	}
	chart := chartFile{MatchConditions: matchConditions()}
	for _, h := range Table {
		c := chartHook{Name: h.Name, Path: h.Path, Rules: h.Rules()}
		if !h.Mutating {
			chart.Validating = append(chart.Validating, c)
			continue
		}
		never := admissionregistrationv1.NeverReinvocationPolicy
		c.ReinvocationPolicy = &never
		chart.Mutating = append(chart.Mutating, c)
	}
	b, err := yamlDocs(chartHeader, chart)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", FileChart, err)
	}
	out[FileChart] = b
	return out, nil
}

func yamlDocs(header string, objs ...any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(header)
	for i, o := range objs {
		b, err := yaml.Marshal(o)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(b)
	}
	return buf.Bytes(), nil
}
