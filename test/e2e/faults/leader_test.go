//go:build e2e

package faults

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/weir-dev/weir/test/kwok"
	"github.com/weir-dev/weir/test/realparts"
)

func itoa(i int) string { return strconv.Itoa(i) }

// The Lease the manager elects its leader with (operator/manager's
// LeaderElectionID) and controller-runtime's default timings, which Weir
// keeps.
const (
	leaseName     = "weir.runs.marmotdata.io"
	leaseNS       = "weir-system"
	leaseDuration = 15 * time.Second
	retryPeriod   = 2 * time.Second
	// takeoverBound is when client-go's elector takes an abandoned Lease
	// at the latest: a follower tries every retry period stretched by up
	// to 1.2 (JitterFactor), so it notices the last renewal up to one such
	// period late, and the expiry up to another.
	takeoverBound = leaseDuration + 2*(retryPeriod+retryPeriod*12/10)
	// acquiredLine is what client-go's leaderelection logs (through the
	// manager's JSON logger) when a replica takes the Lease.
	acquiredLine = `"Successfully acquired lease","lock":"` + leaseNS + "/" + leaseName + `"`
)

// testLeaderFailover runs two replicas with --leader-elect behind one
// webhook address (a front, as the chart's Service), SIGKILLs the leader
// and checks: the other holds the Lease within its duration plus a retry
// period and reconciles the Runs made before, during and after; each
// replica's webhook server answers an AdmissionReview directly while the
// other is down, and creates through the API server keep being admitted.
// leaderNamespace holds the failover test's Runs and its webhook probes.
const leaderNamespace = "faults-leader"

func testLeaderFailover(t *testing.T, c *kwok.Cluster) {
	const ns = leaderNamespace
	c.EnsureNamespace(t, ns)
	frontPort := kwok.FreePort(t)
	replica := func(name string) *kwok.Manager {
		return kwok.StartManager(t, c, kwok.ManagerOptions{
			Args:              []string{managerImage, "--leader-elect", "--leader-election-namespace=" + leaseNS},
			LogPath:           filepath.Join(realparts.ArtifactsDir(t), "weir-manager-"+name+".log"),
			WebhookConfigPort: frontPort,
		})
	}
	// The front listens before the webhook configurations name it.
	fr := startFront(t, frontPort)
	a := replica("a")
	fr.add(a.WebhookAddr)
	b := replica("b")
	fr.add(b.WebhookAddr)
	managers := map[string]*kwok.Manager{"a": a, "b": b}

	leaderName := func() string {
		for name, m := range managers {
			if strings.Contains(m.Log(t), acquiredLine) {
				return name
			}
		}
		return ""
	}
	var lead string
	kwok.WaitFor(t, leaseDuration+retryPeriod+30*time.Second, "a replica to lead", func() error {
		if lead = leaderName(); lead == "" {
			return fmt.Errorf("neither log says %q", acquiredLine)
		}
		return nil
	})
	other := map[string]string{"a": "b", "b": "a"}[lead]
	before := lease(t, c)
	t.Logf("leader: replica %s (%s, lease held since %s)", lead, *before.Spec.HolderIdentity, before.Spec.AcquireTime.Format(time.RFC3339Nano))

	ca := webhookCA(t, c)
	for name, m := range managers {
		if err := review(ca, m.WebhookAddr); err != nil {
			t.Errorf("replica %s's webhook server (%s) does not answer with both up: %v", name, m.WebhookAddr, err)
		}
	}
	fast, err := fastClient(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	var tl tally
	mustCreate := func(name string) {
		t.Helper()
		r := newRun(ns, name, 1) // a one-off Run: a Job to find
		if err := createOne(c.Context(), fast, func() client.Object { return newRun(ns, name, 1) }, &tl); err != nil {
			t.Fatalf("create Run %s: %v", r.Name, err)
		}
	}
	mustCreate("before")
	waitRuns(t, c, ns, 1, "the Run made before the kill")

	killed := time.Now()
	managers[lead].Kill(t)
	t.Logf("SIGKILLed the leader, replica %s", lead)
	// While no one leads: the survivor's webhook server answers, and the
	// API server admits creates through the front.
	if err := review(ca, managers[other].WebhookAddr); err != nil {
		t.Errorf("replica %s's webhook server (%s) does not answer while %s is down: %v", other, managers[other].WebhookAddr, lead, err)
	}
	if err := review(ca, managers[lead].WebhookAddr); err == nil {
		t.Errorf("the killed replica's webhook address %s still answers: the probe proves nothing", managers[lead].WebhookAddr)
	}
	mustCreate("during")
	var after *coordinationv1.Lease
	kwok.WaitFor(t, leaseDuration+retryPeriod+30*time.Second, "the Lease to change hands", func() error {
		after = lease(t, c)
		if after.Spec.HolderIdentity == nil || *after.Spec.HolderIdentity == *before.Spec.HolderIdentity {
			return fmt.Errorf("still held by %v", ptrStr(after.Spec.HolderIdentity))
		}
		return nil
	})
	took := after.Spec.AcquireTime.Sub(killed)
	t.Logf("replica %s holds the Lease (%s) %.1fs after the kill (lease duration %s, retry period %s, bound %s); transitions %d → %d",
		other, *after.Spec.HolderIdentity, took.Seconds(), leaseDuration, retryPeriod, takeoverBound,
		ptrInt(before.Spec.LeaseTransitions), ptrInt(after.Spec.LeaseTransitions))
	if took > takeoverBound {
		t.Errorf("the Lease changed hands %.1fs after the kill, later than client-go's bound %s (duration %s + 2 jittered retry periods of %s)",
			took.Seconds(), takeoverBound, leaseDuration, retryPeriod)
	}
	if !strings.Contains(managers[other].Log(t), acquiredLine) {
		t.Errorf("replica %s holds the Lease but its log does not say %q", other, acquiredLine)
	}
	mustCreate("after")
	waitRuns(t, c, ns, 3, "the Runs made before, during and after the failover, by the new leader")

	// The killed replica comes back as a follower, and serves webhooks.
	managers[lead].Restart(t)
	if err := review(ca, managers[lead].WebhookAddr); err != nil {
		t.Errorf("restarted replica %s's webhook server does not answer: %v", lead, err)
	}
	if l := lease(t, c); ptrStr(l.Spec.HolderIdentity) != *after.Spec.HolderIdentity {
		t.Errorf("the restarted replica took the Lease from the leader: held by %s, was %s", ptrStr(l.Spec.HolderIdentity), *after.Spec.HolderIdentity)
	}
	t.Logf("creates through the API server: %v; connections through the front to a, b: %v", &tl, fr.served())
	for _, s := range tl.samples {
		t.Logf("  e.g. %s", s)
	}
}

func ptrStr(s *string) string {
	if s == nil {
		return "<nobody>"
	}
	return *s
}

func ptrInt(i *int32) int32 {
	if i == nil {
		return 0
	}
	return *i
}

func lease(t *testing.T, c *kwok.Cluster) *coordinationv1.Lease {
	t.Helper()
	var l coordinationv1.Lease
	if err := c.Admin.Get(c.Context(), client.ObjectKey{Namespace: leaseNS, Name: leaseName}, &l); err != nil {
		t.Fatalf("Lease %s/%s: %v", leaseNS, leaseName, err)
	}
	return &l
}

// waitRuns waits until the n Runs in ns have their children and current
// status (checkRuns), failing at once on a duplicate or an orphan.
func waitRuns(t *testing.T, c *kwok.Cluster, ns string, n int, what string) {
	t.Helper()
	poll(t, c, 2*time.Minute, what, func() error {
		f, err := checkRuns(c.Context(), c.Admin, ns, n)
		switch {
		case err != nil:
			return err
		case f.count(problemDuplicate) > 0 || f.count(problemOrphan) > 0:
			return kwok.Stop(fmtErr("%v", f))
		case !f.ok():
			return fmtErr("%v", f)
		}
		return nil
	})
}

// webhookCA is the CA the replicas share (the rotator's Secret), to check
// the serving certificate with.
func webhookCA(t *testing.T, c *kwok.Cluster) *x509.CertPool {
	t.Helper()
	var s corev1.Secret
	if err := c.Admin.Get(c.Context(), types.NamespacedName{Namespace: "weir-system", Name: "weir-local-webhook-cert"}, &s); err != nil {
		t.Fatalf("webhook Secret: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.Data["ca.crt"]) {
		t.Fatalf("webhook Secret weir-system/weir-local-webhook-cert has no PEM ca.crt")
	}
	return pool
}

// review sends one AdmissionReview (a Run's create in leaderNamespace) to
// the webhook server at addr, as the API server would, and checks that it
// answers it.
func review(ca *x509.CertPool, addr string) error {
	const ns = leaderNamespace
	run := newRun(ns, "probe", 1)
	run.SetGroupVersionKind(schemaRun)
	raw, err := json.Marshal(run)
	if err != nil {
		return err
	}
	uid := uuid.NewUUID()
	body, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID: uid, Kind: metav1.GroupVersionKind(schemaRun), Resource: metav1.GroupVersionResource{Group: schemaRun.Group, Version: schemaRun.Version, Resource: "runs"},
			Name: run.Name, Namespace: ns, Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: raw},
			UserInfo: authnUser,
		},
	})
	if err != nil {
		return err
	}
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: ca, ServerName: "localhost", MinVersion: tls.VersionTLS12}}}
	resp, err := hc.Post("https://"+addr+"/validate/runs", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var got admissionv1.AdmissionReview
	if err := json.Unmarshal(b, &got); err != nil || got.Response == nil {
		return fmt.Errorf("status %d, not an AdmissionReview: %.200s", resp.StatusCode, b)
	}
	if got.Response.UID != uid {
		return fmt.Errorf("answered uid %s, asked %s", got.Response.UID, uid)
	}
	return nil
}
