package sourceplugins_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	"github.com/weir-dev/weir/operator/runs"
	"github.com/weir-dev/weir/plugins/fetch/fetchtest"
)

var runsOptions = runs.Options{Image: "ghcr.io/weir-dev/weir:test"}

// create makes a SourcePlugin for url and sum, deleted (and gone) when
// the spec ends, so plugins of one spec never conflict with the next's.
func create(name, url, sum string) *pluginsv1.SourcePlugin {
	sp := &pluginsv1.SourcePlugin{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: pluginsv1.SourcePluginSpec{URL: url, SHA256: sum}}
	ExpectWithOffset(1, k8s.Create(ctx, sp)).To(Succeed())
	DeferCleanup(func() {
		Expect(client.IgnoreNotFound(k8s.Delete(ctx, sp))).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(sp), &pluginsv1.SourcePlugin{}))
		}).WithTimeout(timeout).WithPolling(interval).Should(BeTrue())
	})
	return sp
}

func get(name string) func(Gomega) *pluginsv1.SourcePlugin {
	return func(g Gomega) *pluginsv1.SourcePlugin {
		sp := &pluginsv1.SourcePlugin{}
		g.Expect(k8s.Get(ctx, client.ObjectKey{Name: name}, sp)).To(Succeed())
		return sp
	}
}

// readyOf waits until name's Ready condition is for its current
// generation and has reason, and returns the plugin.
func readyOf(name, reason string) *pluginsv1.SourcePlugin {
	var sp *pluginsv1.SourcePlugin
	EventuallyWithOffset(1, func(g Gomega) {
		sp = get(name)(g)
		c := meta.FindStatusCondition(sp.Status.Conditions, pluginsv1.ConditionReady)
		g.Expect(c).NotTo(BeNil(), "no Ready condition yet")
		g.Expect(c.ObservedGeneration).To(Equal(sp.Generation))
		g.Expect(c.Reason).To(Equal(reason), "Ready: %s", c.Message)
	}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	return sp
}

func condition(sp *pluginsv1.SourcePlugin) *metav1.Condition {
	return meta.FindStatusCondition(sp.Status.Conditions, pluginsv1.ConditionReady)
}

// eventsOf lists the events about the SourcePlugin name.
func eventsOf(name string) func() []eventsv1.Event {
	return func() []eventsv1.Event {
		list := &eventsv1.EventList{}
		Expect(k8s.List(ctx, list)).To(Succeed())
		var out []eventsv1.Event
		for _, e := range list.Items {
			if e.Regarding.Kind == "SourcePlugin" && e.Regarding.Name == name {
				out = append(out, e)
			}
		}
		return out
	}
}

func goodModule() []byte {
	b, err := fetchtest.GoodModule()
	Expect(err).NotTo(HaveOccurred())
	return b
}
