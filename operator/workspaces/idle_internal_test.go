package workspaces

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

func TestHTTPGetURL(t *testing.T) {
	ws := &wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "nb"}}
	for _, c := range []struct {
		get  corev1.HTTPGetAction
		want string
	}{
		{corev1.HTTPGetAction{Path: "/activity", Port: intstr.FromInt32(9000)}, "http://ws-nb.team.svc:9000/activity"},
		{corev1.HTTPGetAction{Path: "api/status", Port: intstr.FromString(PortName), Scheme: corev1.URISchemeHTTPS, Host: "10.0.0.1"}, "https://10.0.0.1:8888/api/status"},
	} {
		got, err := httpGetURL(ws, &c.get)
		if err != nil || got != c.want {
			t.Errorf("httpGetURL(%+v) = %q, %v; want %q", c.get, got, err, c.want)
		}
	}
	if _, err := httpGetURL(ws, &corev1.HTTPGetAction{Port: intstr.FromString("metrics")}); err == nil || !strings.Contains(err.Error(), "spec.idleShutdown.detection.httpGet.port") {
		t.Errorf("a named port other than the IDE's: err = %v", err)
	}
}

// availableSince is a running Workspace, Available since at, with idle
// shutdown after one minute.
func availableSince(at time.Time, detection *wsv1.IdleDetection) *wsv1.Workspace {
	return &wsv1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "nb", Generation: 1},
		Spec: wsv1.WorkspaceSpec{DesiredStatus: wsv1.DesiredRunning,
			IdleShutdown: &wsv1.IdleShutdown{Enabled: true, IdleTimeoutInMinutes: 1, Detection: detection}},
		Status: wsv1.WorkspaceStatus{Conditions: []metav1.Condition{{Type: wsv1.ConditionAvailable, Status: metav1.ConditionTrue,
			Reason: ReasonRunning, LastTransitionTime: metav1.NewTime(at)}}},
	}
}

// failingTransport refuses every request, and remembers their URLs.
type failingTransport struct{ urls []string }

func (f *failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.urls = append(f.urls, r.URL.String())
	return nil, errors.New("connection refused")
}

// Without a manager (no access server in the path), an IDE that cannot be
// read is never stopped, however late it is.
func TestIdleNeverStopsOnAFailedReadAlone(t *testing.T) {
	start := time.Now()
	ws := availableSince(start, nil)
	tr := &failingTransport{}
	r := &Reconciler{Options: Options{
		Now:        func() time.Time { return start.Add(time.Hour) },
		HTTPClient: &http.Client{Transport: tr},
		Activity:   emptyActivity{},
	}} // no Client: a stop would panic
	every, stop := r.reconcileIdle(context.Background(), ws, ws, true, "", &observed{})
	if stop != "" || every != 15*time.Second {
		t.Fatalf("reconcileIdle = %v, %q; want a check again in 15 s, no stop", every, stop)
	}
	if c := findCondition(ws.Status.Conditions, wsv1.ConditionIdleShutdown); c == nil || c.Reason != wsv1.ReasonActive {
		t.Fatalf("IdleShutdown = %+v, want False/Active", c)
	}
	// Without a manager, Jupyter is read through the Workspace's Service.
	if want := []string{"http://ws-nb.team.svc:8888/api/status"}; fmt.Sprint(tr.urls) != fmt.Sprint(want) {
		t.Fatalf("read %v, want %v", tr.urls, want)
	}
}

type emptyActivity struct{}

func (emptyActivity) LastSeen(string, string) (time.Time, bool) { return time.Time{}, false }

// detection.httpGet's answer is the IDE's activity: old enough, the
// Workspace is stopped by a spec patch, and the message names the source.
func TestIdleDetectionHTTPGet(t *testing.T) {
	last := time.Now().Add(-10 * time.Minute).UTC().Truncate(time.Second)
	ide := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/activity" || r.Header.Get("X-Probe") != "idle" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, `{"last_activity": %q}`, last.Format(time.RFC3339Nano))
	}))
	defer ide.Close()
	host, port, _ := strings.Cut(strings.TrimPrefix(ide.URL, "http://"), ":")
	var portNum int32
	if _, err := fmt.Sscan(port, &portNum); err != nil {
		t.Fatalf("port of %s: %v", ide.URL, err)
	}
	ws := availableSince(last.Add(-time.Hour), &wsv1.IdleDetection{HTTPGet: &corev1.HTTPGetAction{
		Host: host, Port: intstr.FromInt32(portNum), Path: "/activity", HTTPHeaders: []corev1.HTTPHeader{{Name: "X-Probe", Value: "idle"}},
	}})
	scheme := runtime.NewScheme()
	if err := wsv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(ws.DeepCopy()).Build()
	rec := events.NewFakeRecorder(1)
	now := last.Add(3 * time.Minute)
	r := &Reconciler{Client: c, Recorder: rec, Options: Options{Now: func() time.Time { return now }}}
	_, msg := r.reconcileIdle(context.Background(), ws, ws, true, "", &observed{})
	if msg == "" {
		t.Fatal("not stopped")
	}
	if err := r.stopIdle(context.Background(), ws, msg); err != nil {
		t.Fatal(err)
	}
	stored := &wsv1.Workspace{}
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(ws), stored); err != nil {
		t.Fatal(err)
	}
	if stored.Spec.DesiredStatus != wsv1.DesiredStopped {
		t.Fatalf("desiredStatus = %q, want Stopped", stored.Spec.DesiredStatus)
	}
	cond := findCondition(ws.Status.Conditions, wsv1.ConditionIdleShutdown)
	want := fmt.Sprintf("stopped at %s after 3 minutes without activity; last activity %s (detection.httpGet %s/activity)",
		now.Format(time.RFC3339), last.Format(time.RFC3339), ide.URL)
	if cond == nil || cond.Status != metav1.ConditionTrue || cond.Reason != wsv1.ReasonIdleTimeout || cond.Message != want {
		t.Fatalf("IdleShutdown = %+v\nwant message %q", cond, want)
	}
	if ev := <-rec.Events; !strings.Contains(ev, "IdleShutdown") || !strings.Contains(ev, want) {
		t.Fatalf("event %q", ev)
	}
}
