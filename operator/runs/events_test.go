package runs_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
)

var _ = Describe("Run events", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	// A new Run costs one Event write, however many children it gets.
	It("names every child a new Run gets in one Created event", func() {
		for _, tc := range []struct{ name, schedule, workload string }{
			{"once", "", "Job once"},
			{"nightly", "0 3 * * *", "CronJob nightly"},
		} {
			run := runFromYAML(ns, oneOff)
			run.Name, run.Spec.Schedule = tc.name, tc.schedule
			Expect(k8s.Create(ctx, run)).To(Succeed())
			created := func() []eventsv1.Event {
				var out []eventsv1.Event
				for _, e := range eventsFor(ns, run)() {
					if e.Reason == "Created" {
						out = append(out, e)
					}
				}
				return out
			}
			Eventually(created, timeout, interval).ShouldNot(BeEmpty())
			// Events are written asynchronously: a second one would come late.
			Consistently(func() int { return len(created()) }, 2*time.Second, interval).Should(Equal(1))
			ev := created()[0]
			Expect(ev.Note).To(Equal(tc.workload + " created"))
			Expect(ev.Type).To(Equal("Normal"))
			Expect(ev.Related).NotTo(BeNil())
			Expect(ev.Related.Name).To(Equal(tc.name))
			Expect(reasons(eventsFor(ns, run)())).To(Equal([]string{"Created"}), "nothing else happened to the Run")
		}
	})
})
