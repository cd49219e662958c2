package workspaces_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/workspaces"
	"github.com/weir-dev/weir/test/realparts"
)

// testClock is idle shutdown's clock (Options.Now): real time plus an
// offset a test moves forward past a timeout, so Jupyter's real
// last_activity is compared with a later "now".
type testClock struct{ offset atomic.Int64 }

func (c *testClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// advance moves the clock forward by d until the spec ends.
func (c *testClock) advance(d time.Duration) {
	c.offset.Add(int64(d))
	DeferCleanup(func() { c.offset.Add(-int64(d)) })
}

// fakeActivity plays the access server's log of users' requests.
type fakeActivity struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func (a *fakeActivity) LastSeen(ns, name string) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.m[ns+"/"+name]
	return t, ok
}

func (a *fakeActivity) seen(ns, name string, t time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[string]time.Time{}
	}
	a.m[ns+"/"+name] = t
}

// ides maps a Workspace URL's path to the real Jupyter that plays its IDE
// (no pods run in envtest): the fake proxy's Read sends there what it is
// asked for under that path.
var ides sync.Map

// Read is the fake proxy's workspaces.RouteReader: through to the real
// Jupyter of the URL's Workspace when there is one, else to the fake
// proxy (whose answer is no Jupyter status).
func (p *fakeProxy) Read(ctx context.Context, _ *wsv1.Workspace, u string) ([]byte, error) {
	parsed, err := url.Parse(u)
	if err != nil {
		return nil, err
	}
	target, host := p.URL+parsed.RequestURI(), parsed.Host
	ides.Range(func(k, v any) bool {
		if strings.HasPrefix(parsed.Path, k.(string)) {
			target, host = "http://"+v.(*realparts.Jupyter).Addr+parsed.RequestURI(), ""
			return false
		}
		return true
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return body, nil
}

// startIDE starts a real Jupyter as the IDE of the Workspace at wsURL.
func startIDE(wsURL string) *realparts.Jupyter {
	u, err := url.Parse(wsURL)
	Expect(err).NotTo(HaveOccurred())
	j := realparts.StartJupyter(GinkgoTB(), u.Path)
	ides.Store(u.Path, j)
	DeferCleanup(func() { ides.Delete(u.Path) })
	return j
}

// jupyterAPI calls the real Jupyter's REST API directly (a user's
// request: it is activity), with the XSRF cookie and header Notebook
// wants on a POST.
func jupyterAPI(j *realparts.Jupyter, method, path string, out any) {
	jar, err := cookiejar.New(nil)
	Expect(err).NotTo(HaveOccurred())
	c := &http.Client{Jar: jar}
	page, err := c.Get("http://" + j.Addr + j.BaseURL + "tree")
	Expect(err).NotTo(HaveOccurred())
	page.Body.Close()
	req, err := http.NewRequest(method, "http://"+j.Addr+j.BaseURL+path, nil)
	Expect(err).NotTo(HaveOccurred())
	for _, ck := range jar.Cookies(req.URL) {
		if ck.Name == "_xsrf" {
			req.Header.Set("X-XSRFToken", ck.Value)
		}
	}
	resp, err := c.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	Expect(resp.StatusCode/100).To(Equal(2), "%s %s: %s", method, path, body)
	if out != nil {
		Expect(json.Unmarshal(body, out)).To(Succeed(), "%s", body)
	}
}

// busyKernel starts a kernel and runs code that sleeps for a while in it,
// over the kernel's WebSocket as the notebook page does; it returns the
// kernel's id once Jupyter lists it busy. Notebook 6.4 now and then never
// sees a new kernel's state (api/kernels says starting while it runs
// code): such a kernel is shut down and another started.
func busyKernel(j *realparts.Jupyter) string {
	for attempt := 1; ; attempt++ {
		id := startBusyKernel(j)
		if kernelState(j, id, "busy", 20*time.Second) {
			return id
		}
		Expect(attempt).To(BeNumerically("<", 3), "no kernel of 3 was listed busy while it ran code")
		jupyterAPI(j, http.MethodDelete, "api/kernels/"+id, nil)
	}
}

// kernelState waits for Jupyter to list kernel id in state.
func kernelState(j *realparts.Jupyter, id, state string, within time.Duration) bool {
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		var ks []struct {
			ID    string `json:"id"`
			State string `json:"execution_state"`
		}
		jupyterAPI(j, http.MethodGet, "api/kernels?no_track_activity=1", &ks)
		for _, k := range ks {
			if k.ID == id && k.State == state {
				return true
			}
		}
	}
	return false
}

// startBusyKernel starts a kernel and sends it code that sleeps a minute.
func startBusyKernel(j *realparts.Jupyter) string {
	var k struct {
		ID string `json:"id"`
	}
	jupyterAPI(j, http.MethodPost, "api/kernels", &k)
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+j.Addr+j.BaseURL+"api/kernels/"+k.ID+"/channels?session_id="+rand.String(12), nil)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(conn.Close)
	replies := make(chan string, 100)
	go func() {
		defer close(replies)
		for {
			var m struct {
				Header struct {
					MsgType string `json:"msg_type"`
				} `json:"header"`
			}
			if err := conn.ReadJSON(&m); err != nil {
				return
			}
			select {
			case replies <- m.Header.MsgType:
			default:
			}
		}
	}()
	send := func(msgType string, content map[string]any) {
		id := rand.String(12)
		Expect(conn.WriteJSON(map[string]any{
			"header": map[string]any{"msg_id": id, "username": "test", "session": id, "msg_type": msgType,
				"version": "5.3", "date": time.Now().UTC().Format(time.RFC3339)},
			"parent_header": map[string]any{}, "metadata": map[string]any{}, "channel": "shell", "buffers": []any{},
			"content": content,
		})).To(Succeed())
	}
	// A kernel that has just started may miss the first request: ask for
	// its info until it answers.
	ready := time.NewTimer(90 * time.Second)
	defer ready.Stop()
	for answered := false; !answered; {
		send("kernel_info_request", map[string]any{})
		wait := time.After(time.Second)
		for waiting := true; waiting && !answered; {
			select {
			case t, ok := <-replies:
				Expect(ok).To(BeTrue(), "the kernel's WebSocket closed")
				answered = t == "kernel_info_reply"
			case <-wait:
				waiting = false
			case <-ready.C:
				Fail("the kernel did not answer kernel_info_request in 90 s")
			}
		}
	}
	send("execute_request", map[string]any{"code": "import time; time.sleep(60)", "silent": false, "store_history": false,
		"user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": true})
	return k.ID
}

// playedWorkspace creates a Workspace with the given spec and plays the
// Deployment controller for it until the spec ends (see runningWorkspace).
func playedWorkspace(ns, name, specYAML string) *wsv1.Workspace {
	ws := workspaceFromYAML(ns, name, specYAML)
	Expect(k8s.Create(ctx, ws)).To(Succeed())
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			list := &appsv1.DeploymentList{}
			if err := k8s.List(ctx, list, client.InNamespace(ns), client.MatchingLabels(workspaces.ChildSelector(name))); err != nil || len(list.Items) != 1 {
				continue
			}
			if d := &list.Items[0]; !played(d) {
				n := *d.Spec.Replicas
				d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: n, UpdatedReplicas: n, ReadyReplicas: n, AvailableReplicas: n}
				_ = k8s.Status().Update(ctx, d)
			}
		}
	}()
	DeferCleanup(func() { close(stop); <-done })
	return ws
}

const idleSpec = `
spec:
  image: jupyter/minimal-notebook:latest
  idleShutdown: {enabled: true, idleTimeoutInMinutes: 1}
`

// idleWorkspace is an Available Workspace under a manager, idle timeout
// one minute, whose IDE is a real Jupyter; it returns the Workspace, its
// URL and its Jupyter.
func idleWorkspace(specYAML string) (*wsv1.Workspace, string, *realparts.Jupyter) {
	team := rand.String(8)
	ns := newNamespace(map[string]string{"team": team})
	newManager(team, gatewaySpec("https://ide-"+team+".example.test"))
	want := "https://ide-" + team + ".example.test/workspaces/" + ns + "/lab/"
	j := startIDE(want)
	routes.serve(want)
	ws := playedWorkspace(ns, "lab", specYAML)
	Eventually(func(g Gomega) {
		got := getWorkspace(g, ns, ws.Name)
		g.Expect(got.Status.URL).To(Equal(want))
		g.Expect(condition(g, got, wsv1.ConditionAvailable).Status).To(Equal(metav1.ConditionTrue))
		idle := condition(g, got, wsv1.ConditionIdleShutdown)
		g.Expect(idle.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(idle.Reason).To(Equal(wsv1.ReasonActive))
		g.Expect(idle.Message).To(Equal("the Workspace is stopped after 1 minutes without activity"))
	}, timeout, interval).Should(Succeed())
	return ws, want, j
}

func desiredStatus(g Gomega, ws *wsv1.Workspace) wsv1.DesiredStatus {
	return getWorkspace(g, ws.Namespace, ws.Name).Spec.DesiredStatus
}

// stillRunning: the controller leaves the Workspace running for a while
// (many idle checks).
func stillRunning(ws *wsv1.Workspace) {
	Consistently(func(g Gomega) {
		got := getWorkspace(g, ws.Namespace, ws.Name)
		g.Expect(got.Spec.DesiredStatus).NotTo(Equal(wsv1.DesiredStopped))
		g.Expect(condition(g, got, wsv1.ConditionIdleShutdown).Status).To(Equal(metav1.ConditionFalse))
	}, 8*idleCheckInterval, interval).Should(Succeed())
}

// stoppedForIdleness waits for the controller to stop ws and returns the
// condition's message.
func stoppedForIdleness(ws *wsv1.Workspace) string {
	var msg string
	Eventually(func(g Gomega) {
		got := getWorkspace(g, ws.Namespace, ws.Name)
		g.Expect(got.Spec.DesiredStatus).To(Equal(wsv1.DesiredStopped))
		c := condition(g, got, wsv1.ConditionIdleShutdown)
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
		g.Expect(c.Reason).To(Equal(wsv1.ReasonIdleTimeout))
		msg = c.Message
		g.Expect(condition(g, got, wsv1.ConditionAvailable).Reason).To(Equal(workspaces.ReasonStoppedState))
		g.Expect(got.Status.URL).To(BeEmpty())
		g.Expect(deploymentOf(g, ws.Namespace, ws.Name).Spec.Replicas).To(HaveValue(BeZero()))
	}, timeout, interval).Should(Succeed())
	Expect(msg).To(MatchRegexp(`^stopped at \S+Z after \d+ minutes without activity; last activity \S+Z \(.+\)$`))
	return msg
}

var _ = Describe("Idle shutdown", func() {
	It("stops a Workspace whose Jupyter saw nothing for the timeout, says so, and watches again once it runs", func() {
		ws, want, j := idleWorkspace(idleSpec)
		// A user's request after it became Available: Jupyter's
		// last_activity is the latest.
		jupyterAPI(j, http.MethodGet, "api/contents", nil)

		By("within the timeout it runs, and the checks write nothing")
		rv := getWorkspace(Default, ws.Namespace, ws.Name).ResourceVersion
		Consistently(func(g Gomega) {
			g.Expect(getWorkspace(g, ws.Namespace, ws.Name).ResourceVersion).To(Equal(rv))
		}, 8*idleCheckInterval, interval).Should(Succeed())

		By("past the timeout it is stopped")
		clock.advance(2 * time.Minute)
		msg := stoppedForIdleness(ws)
		Expect(msg).To(ContainSubstring("after 2 minutes without activity"))
		Expect(msg).To(HaveSuffix("(Jupyter's last_activity)"))
		Eventually(func(g Gomega) {
			evs := &eventsv1.EventList{}
			g.Expect(k8s.List(ctx, evs, client.InNamespace(ws.Namespace))).To(Succeed())
			var notes []string
			for _, e := range evs.Items {
				if e.Regarding.Name == ws.Name && e.Reason == workspaces.ReasonIdleShutdown && e.Type == corev1.EventTypeNormal {
					notes = append(notes, e.Note)
				}
			}
			g.Expect(notes).To(ConsistOf(msg))
		}, timeout, interval).Should(Succeed())

		By("the user starts it again: IdleShutdown is False/Active, the same URL serves")
		clock.advance(-2 * time.Minute)
		setDesired(ws, wsv1.DesiredRunning)
		Eventually(func(g Gomega) {
			got := getWorkspace(g, ws.Namespace, ws.Name)
			g.Expect(got.Status.URL).To(Equal(want))
			g.Expect(condition(g, got, wsv1.ConditionAvailable).Status).To(Equal(metav1.ConditionTrue))
			idle := condition(g, got, wsv1.ConditionIdleShutdown)
			g.Expect(idle.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(idle.Reason).To(Equal(wsv1.ReasonActive))
		}, timeout, interval).Should(Succeed())

		By("idle shutdown turned off: the condition goes")
		Eventually(func(g Gomega) {
			got := getWorkspace(g, ws.Namespace, ws.Name)
			got.Spec.IdleShutdown.Enabled = false
			g.Expect(k8s.Update(ctx, got)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			got := getWorkspace(g, ws.Namespace, ws.Name)
			g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
			g.Expect(condition(g, got, wsv1.ConditionAvailable).Status).To(Equal(metav1.ConditionTrue))
			g.Expect(findCond(got, wsv1.ConditionIdleShutdown)).To(BeNil())
		}, timeout, interval).Should(Succeed())
		clock.advance(2 * time.Minute)
		Consistently(func(g Gomega) wsv1.DesiredStatus { return desiredStatus(g, ws) }, 8*idleCheckInterval, interval).
			ShouldNot(Equal(wsv1.DesiredStopped))
	})

	It("keeps a Workspace with a busy kernel running past the timeout, and stops it once the kernel is idle", func() {
		ws, _, j := idleWorkspace(idleSpec)
		kernel := busyKernel(j)
		clock.advance(2 * time.Minute)
		stillRunning(ws)

		By("the kernel is interrupted: idle, and the clock is past its last activity")
		jupyterAPI(j, http.MethodPost, "api/kernels/"+kernel+"/interrupt", nil)
		msg := stoppedForIdleness(ws)
		Expect(msg).To(HaveSuffix("(Jupyter's last_activity)"))
	})

	It("keeps a Workspace running while the access server sees requests to it", func() {
		ws, _, _ := idleWorkspace(idleSpec)
		clock.advance(2 * time.Minute)
		activity.seen(ws.Namespace, ws.Name, clock.Now())
		stillRunning(ws)

		By("no request for longer than the timeout")
		clock.advance(2 * time.Minute)
		msg := stoppedForIdleness(ws)
		Expect(msg).To(HaveSuffix("(a request through Weir's access server)"))
	})

	It("does not stop a Workspace whose IDE cannot be read while the access server sees requests, and does once it sees none", func() {
		team := rand.String(8)
		ns := newNamespace(map[string]string{"team": team})
		newManager(team, gatewaySpec("https://ide-"+team+".example.test"))
		want := "https://ide-" + team + ".example.test/workspaces/" + ns + "/lab/"
		routes.serve(want) // the fake proxy answers, but no Jupyter status
		ws := playedWorkspace(ns, "lab", idleSpec)
		Eventually(func(g Gomega) {
			g.Expect(condition(g, getWorkspace(g, ns, ws.Name), wsv1.ConditionAvailable).Status).To(Equal(metav1.ConditionTrue))
		}, timeout, interval).Should(Succeed())
		clock.advance(2 * time.Minute)
		activity.seen(ns, ws.Name, clock.Now())
		stillRunning(ws)

		clock.advance(2 * time.Minute)
		msg := stoppedForIdleness(ws)
		Expect(msg).To(HaveSuffix("(a request through Weir's access server)"))
	})
})

var _ = Describe("Idle shutdown from a template", func() {
	It("is inherited by a Workspace that sets none, and a timeout above the template's maximum holds a Workspace back", func() {
		ns := newNamespace(nil)
		t := templateFromYAML("idle-"+rand.String(6), `
spec:
  defaultImage: jupyter/minimal-notebook:latest
  idleShutdown: {defaultIdleTimeoutInMinutes: 30, maxIdleTimeoutInMinutes: 45}
`)
		Expect(k8s.Create(ctx, t)).To(Succeed())
		inherits := workspaceFromYAML(ns, "inherits", "spec: {templateRef: "+t.Name+"}")
		Expect(k8s.Create(ctx, inherits)).To(Succeed())
		tooLong := workspaceFromYAML(ns, "too-long", "spec: {templateRef: "+t.Name+", idleShutdown: {enabled: true, idleTimeoutInMinutes: 120}}")
		Expect(k8s.Create(ctx, tooLong)).To(Succeed())
		Eventually(func(g Gomega) {
			got := getWorkspace(g, ns, inherits.Name)
			g.Expect(condition(g, got, wsv1.ConditionValid).Status).To(Equal(metav1.ConditionTrue))
			idle := condition(g, got, wsv1.ConditionIdleShutdown)
			g.Expect(idle.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(idle.Message).To(Equal("the Workspace is stopped after 30 minutes without activity"))
			// The stored spec stays the user's: the default is applied at reconcile.
			g.Expect(got.Spec.IdleShutdown).To(BeNil())
		}, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			got := getWorkspace(g, ns, tooLong.Name)
			v := condition(g, got, wsv1.ConditionValid)
			g.Expect(v.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(v.Reason).To(Equal(wsv1.ReasonTemplateViolation))
			g.Expect(v.Message).To(ContainSubstring("spec.idleShutdown.idleTimeoutInMinutes"))
			g.Expect(v.Message).To(ContainSubstring("set at most 45 minutes"))
		}, timeout, interval).Should(Succeed())
	})
})

var _ = Describe("Stopping and starting a Workspace", func() {
	It("keeps its claim, data, route and URL, and it is Available again after the probe", func() {
		team := rand.String(8)
		ns := newNamespace(map[string]string{"team": team})
		newManager(team, gatewaySpec("https://ide-"+team+".example.test"))
		want := "https://ide-" + team + ".example.test/workspaces/" + ns + "/lab/"
		routes.serve(want)
		ws := playedWorkspace(ns, "lab", `
spec:
  image: jupyter/minimal-notebook:latest
`)
		var claimUID, routeUID string
		Eventually(func(g Gomega) {
			got := getWorkspace(g, ns, ws.Name)
			g.Expect(got.Status.URL).To(Equal(want))
			g.Expect(condition(g, got, wsv1.ConditionAvailable).Status).To(Equal(metav1.ConditionTrue))
			claimUID, routeUID = string(claimOf(g, ns, ws.Name).UID), string(httpRouteOf(g, ns, ws.Name).UID)
		}, timeout, interval).Should(Succeed())
		probes := routes.probeCount(want)

		setDesired(ws, wsv1.DesiredStopped)
		Eventually(func(g Gomega) {
			got := getWorkspace(g, ns, ws.Name)
			g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
			g.Expect(got.Status.URL).To(BeEmpty())
			g.Expect(condition(g, got, wsv1.ConditionAvailable).Reason).To(Equal(workspaces.ReasonStoppedState))
			g.Expect(deploymentOf(g, ns, ws.Name).Spec.Replicas).To(HaveValue(BeZero()))
			g.Expect(string(claimOf(g, ns, ws.Name).UID)).To(Equal(claimUID))
			g.Expect(string(httpRouteOf(g, ns, ws.Name).UID)).To(Equal(routeUID))
			g.Expect(got.Status.Storage.ClaimName).To(Equal(workspaces.ClaimName(ws.Name)))
		}, timeout, interval).Should(Succeed())

		setDesired(ws, wsv1.DesiredRunning)
		Eventually(func(g Gomega) {
			got := getWorkspace(g, ns, ws.Name)
			g.Expect(got.Status.URL).To(Equal(want))
			av := condition(g, got, wsv1.ConditionAvailable)
			g.Expect(av.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(av.Message).To(ContainSubstring("serves at " + want))
			d := deploymentOf(g, ns, ws.Name)
			g.Expect(d.Spec.Replicas).To(HaveValue(BeEquivalentTo(1)))
			// The same claim (its data) is mounted again.
			g.Expect(claimVolumes(d)).To(ConsistOf(workspaces.ClaimName(ws.Name)))
			g.Expect(string(claimOf(g, ns, ws.Name).UID)).To(Equal(claimUID))
			g.Expect(string(httpRouteOf(g, ns, ws.Name).UID)).To(Equal(routeUID))
		}, timeout, interval).Should(Succeed())
		Expect(routes.probeCount(want)).To(BeNumerically(">", probes), "Available again without a new probe")
	})
})

func setDesired(ws *wsv1.Workspace, s wsv1.DesiredStatus) {
	Eventually(func(g Gomega) {
		got := getWorkspace(g, ws.Namespace, ws.Name)
		got.Spec.DesiredStatus = s
		g.Expect(k8s.Update(ctx, got)).To(Succeed())
	}, timeout, interval).Should(Succeed())
}

func findCond(ws *wsv1.Workspace, t string) *metav1.Condition {
	for i := range ws.Status.Conditions {
		if ws.Status.Conditions[i].Type == t {
			return &ws.Status.Conditions[i]
		}
	}
	return nil
}

func claimVolumes(d *appsv1.Deployment) []string {
	var out []string
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			out = append(out, v.PersistentVolumeClaim.ClaimName)
		}
	}
	return out
}
