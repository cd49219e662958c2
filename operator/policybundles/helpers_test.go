package policybundles_test

import (
	"encoding/json"

	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	eventsv1 "k8s.io/api/events/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

// runInput is a CREATE of a Run in namespace default with the given spec,
// written as JSON, as the API server would send it.
func runInput(spec string) engine.Input {
	var s map[string]any
	ExpectWithOffset(2, json.Unmarshal([]byte(spec), &s)).To(Succeed())
	return engine.Input{
		Kind:      engine.GroupVersionKind{Group: "runs.marmotdata.io", Version: "v1alpha1", Kind: "Run"},
		Operation: "CREATE",
		UserInfo:  engine.UserInfo{Username: "alice", Groups: []string{"system:authenticated"}},
		Namespace: "default",
		Name:      "my-pipeline",
		Object: map[string]any{
			"apiVersion": "runs.marmotdata.io/v1alpha1",
			"kind":       "Run",
			"metadata":   map[string]any{"name": "my-pipeline", "namespace": "default"},
			"spec":       s,
		},
	}
}

// Run specs. cleanSpec passes every embedded policy and earns no warning
// or patch; the others each break one embedded policy.
const (
	cleanSpec       = `{"activeDeadlineSeconds": 60, "resources": {"requests": {"cpu": "2", "memory": "1Gi"}}, "runs": [{"s3": {}}]}`
	suspendedSpec   = `{"suspend": true, "activeDeadlineSeconds": 60, "resources": {"requests": {"cpu": "2", "memory": "1Gi"}}, "runs": [{"s3": {}}]}`
	passwordSpec    = `{"activeDeadlineSeconds": 60, "resources": {"requests": {"cpu": "1"}}, "runs": [{"postgresql": {"host": "db", "password": "hunter2"}}]}`
	bigMemorySpec   = `{"activeDeadlineSeconds": 60, "resources": {"requests": {"cpu": "1", "memory": "16Gi"}}, "runs": [{"s3": {}}]}`
	literalSecretID = "default/runs.literal-secret"
)

// verdict is what the engine decides for a Run with spec, as
// "<bundle>/<policy>" per list.
type verdict struct{ Denials, Warnings []string }

func decide(e *engine.Engine, spec string) verdict {
	d, err := e.Decide(ctx, runInput(spec))
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return verdict{Denials: ids(d.Denials), Warnings: ids(d.Warnings)}
}

func ids(vs []engine.Violation) []string {
	out := []string{}
	for _, v := range vs {
		out = append(out, v.Bundle+"/"+v.Policy)
	}
	return out
}

// messages are the denial messages the engine gives for spec.
func messages(e *engine.Engine, spec string) []string {
	d, err := e.Decide(ctx, runInput(spec))
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	out := []string{}
	for _, v := range d.Denials {
		out = append(out, v.Message)
	}
	return out
}

func policyBundle(name string, spec policiesv1.PolicyBundleSpec) *policiesv1.PolicyBundle {
	return &policiesv1.PolicyBundle{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec}
}

func module(name, rego string) []policiesv1.Module {
	return []policiesv1.Module{{Name: name, Rego: rego}}
}

func data(v string) *apiextensionsv1.JSON { return &apiextensionsv1.JSON{Raw: []byte(v)} }

// update changes a bundle's spec, retrying on conflicts with status writes.
func update(name string, change func(*policiesv1.PolicyBundleSpec)) {
	EventuallyWithOffset(1, func() error {
		pb := &policiesv1.PolicyBundle{}
		if err := k8s.Get(ctx, client.ObjectKey{Name: name}, pb); err != nil {
			return err
		}
		change(&pb.Spec)
		return k8s.Update(ctx, pb)
	}, timeout, interval).Should(Succeed())
}

// current is a bundle once the controller has seen its latest generation.
func current(name string) func(Gomega) *policiesv1.PolicyBundle {
	return func(g Gomega) *policiesv1.PolicyBundle {
		pb := &policiesv1.PolicyBundle{}
		g.Expect(k8s.Get(ctx, client.ObjectKey{Name: name}, pb)).To(Succeed())
		g.Expect(pb.Status.ObservedGeneration).To(Equal(pb.Generation))
		return pb
	}
}

func ready(pb *policiesv1.PolicyBundle) metav1.Condition {
	c := meta.FindStatusCondition(pb.Status.Conditions, policiesv1.ConditionReady)
	if c == nil {
		return metav1.Condition{}
	}
	return *c
}

// eventsFor lists "<type> <reason>" of the events about a bundle. They are
// in namespace default, as for any cluster-scoped object.
func eventsFor(name string) func() []string {
	return func() []string {
		list := &eventsv1.EventList{}
		Expect(k8s.List(ctx, list, client.InNamespace("default"))).To(Succeed())
		var out []string
		for _, e := range list.Items {
			if e.Regarding.Kind == "PolicyBundle" && e.Regarding.Name == name {
				out = append(out, e.Type+" "+e.Reason)
			}
		}
		return out
	}
}

// absent is what metric says of a series that does not exist.
const absent = -1.0

// metric is the value of the series of name with exactly these labels,
// or absent.
func metric(name string, labels map[string]string) float64 {
	families, err := metrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if sameLabels(m.GetLabel(), labels) {
				if m.GetCounter() != nil {
					return m.GetCounter().GetValue()
				}
				return m.GetGauge().GetValue()
			}
		}
	}
	return absent
}

func sameLabels(got []*dto.LabelPair, want map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, l := range got {
		if v, ok := want[l.GetName()]; !ok || v != l.GetValue() {
			return false
		}
	}
	return true
}

// series lists the label values of name's series for label.
func series(name, label string) []string {
	families, err := metrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	out := []string{}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label {
					out = append(out, l.GetValue())
				}
			}
		}
	}
	return out
}
