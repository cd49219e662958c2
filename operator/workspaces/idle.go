package workspaces

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/status"
)

// Activity says when Weir's access server last let a user's request
// through to a Workspace (access.ActivityLog implements it). It is in
// memory, per replica: false after a restart until the next request.
type Activity interface {
	LastSeen(namespace, name string) (time.Time, bool)
}

// RouteReader reads a path under a Workspace's URL through its route, with
// the probe's credentials, and returns the body of a 2xx answer
// (access.Prober implements it besides RouteProber).
type RouteReader interface {
	Read(ctx context.Context, ws *wsv1.Workspace, url string) ([]byte, error)
}

const (
	// DefaultIdleTimeoutInMinutes is the timeout of an enabled idle
	// shutdown that names none (the CRD's default).
	DefaultIdleTimeoutInMinutes = 60
	// maxIdleCheck bounds the interval between two readings of a
	// Workspace's activity.
	maxIdleCheck = time.Minute
	// ReasonIdleShutdown is the Event of a Workspace stopped for idleness.
	ReasonIdleShutdown = "IdleShutdown"
)

// Where the last activity came from, for the condition's message.
const (
	sourceAvailable = "the Workspace became available"
	sourceAccess    = "a request through Weir's access server"
	sourceJupyter   = "Jupyter's last_activity"
	sourceWatching  = "Weir's access server started watching; the IDE's own activity could not be read"
)

// idleTimeout is the effective spec's idle timeout; false when idle
// shutdown is off.
func idleTimeout(eff *wsv1.Workspace) (time.Duration, bool) {
	is := eff.Spec.IdleShutdown
	if is == nil || !is.Enabled {
		return 0, false
	}
	m := is.IdleTimeoutInMinutes
	if m <= 0 {
		m = DefaultIdleTimeoutInMinutes
	}
	return time.Duration(m) * time.Minute, true
}

func (r *Reconciler) idleCheckInterval(timeout time.Duration) time.Duration {
	if d := r.Options.IdleCheckInterval; d > 0 {
		return d
	}
	return min(timeout/4, maxIdleCheck)
}

func (r *Reconciler) now() time.Time {
	if r.Options.Now != nil {
		return r.Options.Now()
	}
	return time.Now()
}

// idleWatch is when this controller began reading activity: the access
// server's log (in the same process) knows nothing from before.
type idleWatch struct {
	once  sync.Once
	since time.Time
}

func (r *Reconciler) watchingSince() time.Time {
	r.idle.once.Do(func() { r.idle.since = r.now() })
	return r.idle.since
}

// lastActivity is the latest of the sources read, and which it was.
type lastActivity struct {
	at     time.Time
	source string
}

func (l *lastActivity) see(at time.Time, source string) {
	if at.After(l.at) {
		l.at, l.source = at, source
	}
}

// reconcileIdle keeps the IdleShutdown condition and stops a running,
// Available Workspace whose effective idle shutdown is on once nothing
// was active for its timeout. The last activity is the latest of: when it
// became Available, the access server's last request to it, and the IDE's
// own last activity (Jupyter's /api/status, or detection.httpGet); a busy
// kernel is activity now. An IDE that cannot be read never stops the
// Workspace alone: only when a manager routes it through the access server
// (which sees every request of its users) and that server saw nothing for
// the timeout since it started watching. Nothing is written while the
// Workspace stays active: the condition changes only when idle shutdown
// is turned on or off, its timeout changes, or it stops the Workspace. It
// returns when to read the activity again (0: no need) and, when the
// Workspace is to stop, the condition's message: the caller writes the
// status, then stopIdle the spec, in that order, so that the pass the spec
// change starts reads the condition True (a cache that has the spec
// change has the status written before it).
func (r *Reconciler) reconcileIdle(ctx context.Context, ws, eff *wsv1.Workspace, valid bool, url string, obs *observed) (time.Duration, string) {
	timeout, on := idleTimeout(eff)
	if !on {
		meta.RemoveStatusCondition(&ws.Status.Conditions, wsv1.ConditionIdleShutdown)
		return 0, ""
	}
	if !valid || eff.Spec.DesiredStatus == wsv1.DesiredStopped {
		// The condition says what it said when the Workspace stopped, of
		// this generation.
		if c := findCondition(ws.Status.Conditions, wsv1.ConditionIdleShutdown); c != nil {
			status.SetCondition(ws, &ws.Status.Conditions, *c)
		}
		return 0, ""
	}
	minutes := int(timeout / time.Minute)
	status.SetCondition(ws, &ws.Status.Conditions, metav1.Condition{
		Type: wsv1.ConditionIdleShutdown, Status: metav1.ConditionFalse, Reason: wsv1.ReasonActive,
		Message: fmt.Sprintf("the Workspace is stopped after %d minutes without activity", minutes),
	})
	avail := findCondition(ws.Status.Conditions, wsv1.ConditionAvailable)
	if avail == nil || avail.Status != metav1.ConditionTrue {
		return 0, "" // Available's own requeues come back here
	}
	every := r.idleCheckInterval(timeout)
	last := lastActivity{}
	last.see(avail.LastTransitionTime.Time, sourceAvailable)
	if r.Options.Activity != nil {
		if t, ok := r.Options.Activity.LastSeen(ws.Namespace, ws.Name); ok {
			last.see(t, sourceAccess)
		}
	}
	ide, source, err := r.readIDE(ctx, ws, eff, url, obs)
	switch {
	case err == nil && ide.busy:
		return every, ""
	case err == nil:
		last.see(ide.last, source)
	case r.Options.Activity != nil && obs.manager != nil && obs.route != nil:
		mgrLog(ctx).Info("cannot read the IDE's activity; the access server's alone decides", "error", err.Error())
		last.see(r.watchingSince(), sourceWatching)
	default:
		mgrLog(ctx).Info("cannot read the IDE's activity; not stopping it for idleness", "error", err.Error())
		return every, ""
	}
	now := r.now()
	idle := now.Sub(last.at)
	if idle <= timeout {
		return every, ""
	}
	msg := fmt.Sprintf("stopped at %s after %d minutes without activity; last activity %s (%s)",
		now.UTC().Format(time.RFC3339), int(idle/time.Minute), last.at.UTC().Format(time.RFC3339), last.source)
	status.SetCondition(ws, &ws.Status.Conditions, metav1.Condition{
		Type: wsv1.ConditionIdleShutdown, Status: metav1.ConditionTrue, Reason: wsv1.ReasonIdleTimeout, Message: msg,
	})
	return 0, msg
}

// stopIdle sets desiredStatus Stopped, a change of the spec as upstream's
// controller makes it: the user sees Stopped and sets Running to start it
// again. If it fails, the next pass (Running, so IdleShutdown goes back to
// Active) decides again.
func (r *Reconciler) stopIdle(ctx context.Context, ws *wsv1.Workspace, msg string) error {
	stop := ws.DeepCopy() // the patch holds the spec only
	if err := r.Patch(ctx, stop, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"desiredStatus":"Stopped"}}`))); err != nil {
		return client.IgnoreNotFound(fmt.Errorf("stopping idle Workspace: %w", err))
	}
	r.Recorder.Eventf(ws, nil, corev1.EventTypeNormal, ReasonIdleShutdown, "Stop", "%s", msg)
	return nil
}

// ideActivity is what the IDE says of itself.
type ideActivity struct {
	last time.Time
	busy bool // a kernel is executing
}

// jupyterStatus is what is read of Jupyter's /api/status (and of the
// answer of detection.httpGet, which must have the same last_activity).
type jupyterStatus struct {
	LastActivity *time.Time `json:"last_activity"`
	Kernels      int        `json:"kernels"`
}

type jupyterKernel struct {
	ExecutionState string `json:"execution_state"`
}

// readIDE reads the IDE's activity: detection.httpGet when set (from the
// operator, to the pod's Service unless it names a host), else Jupyter's
// api/status and, with kernels, api/kernels (no_track_activity, so the
// reading is no activity) through the route when a RouteReader probes
// it, else from the operator through the Workspace's Service.
func (r *Reconciler) readIDE(ctx context.Context, ws, eff *wsv1.Workspace, url string, obs *observed) (ideActivity, string, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	if d := eff.Spec.IdleShutdown.Detection; d != nil && d.HTTPGet != nil {
		u, err := httpGetURL(ws, d.HTTPGet)
		if err != nil {
			return ideActivity{}, "", err
		}
		st, err := readStatus(ctx, func(ctx context.Context) ([]byte, error) { return r.httpRead(ctx, u, d.HTTPGet.HTTPHeaders) })
		return ideActivity{last: st.at()}, "detection.httpGet " + u, err
	}
	var read func(ctx context.Context, path string) ([]byte, error)
	reader, ok := r.Prober.(RouteReader)
	switch {
	case ok && obs.probed && obs.probeErr == nil:
		read = func(ctx context.Context, path string) ([]byte, error) { return reader.Read(ctx, ws, url+path) }
	case ok && obs.probed:
		return ideActivity{}, "", fmt.Errorf("the route does not serve %s: %w", url, obs.probeErr)
	default:
		// No access server to probe through: the Service, under the
		// base path the IDE was told.
		base := strings.TrimSuffix(BasePath(obs.manager, ws.Namespace, ws.Name), "/")
		base = fmt.Sprintf("http://%s.%s.svc:%d%s/", ServiceName(ws.Name), ws.Namespace, Port, base)
		read = func(ctx context.Context, path string) ([]byte, error) { return r.httpRead(ctx, base+path, nil) }
	}
	st, err := readStatus(ctx, func(ctx context.Context) ([]byte, error) { return read(ctx, "api/status") })
	if err != nil {
		return ideActivity{}, "", err
	}
	out := ideActivity{last: st.at()}
	if st.Kernels == 0 {
		return out, sourceJupyter, nil
	}
	body, err := read(ctx, "api/kernels?no_track_activity=1")
	if err != nil {
		return ideActivity{}, "", err
	}
	var kernels []jupyterKernel
	if err := json.Unmarshal(body, &kernels); err != nil {
		return ideActivity{}, "", fmt.Errorf("api/kernels is not Jupyter's kernel list: %w", err)
	}
	for _, k := range kernels {
		out.busy = out.busy || k.ExecutionState == "busy"
	}
	return out, sourceJupyter, nil
}

func (s jupyterStatus) at() time.Time {
	if s.LastActivity == nil {
		return time.Time{}
	}
	return *s.LastActivity
}

func readStatus(ctx context.Context, get func(context.Context) ([]byte, error)) (jupyterStatus, error) {
	body, err := get(ctx)
	if err != nil {
		return jupyterStatus{}, err
	}
	var st jupyterStatus
	if err := json.Unmarshal(body, &st); err != nil {
		return st, fmt.Errorf("the activity answer is not JSON with last_activity: %w", err)
	}
	if st.LastActivity == nil {
		return st, fmt.Errorf("the activity answer has no last_activity")
	}
	return st, nil
}

// httpGetURL is detection.httpGet's URL: its host, else the Workspace's
// Service; a named port must be the IDE's.
func httpGetURL(ws *wsv1.Workspace, g *corev1.HTTPGetAction) (string, error) {
	port := g.Port.IntValue()
	if g.Port.StrVal != "" {
		if g.Port.StrVal != PortName {
			return "", fmt.Errorf("spec.idleShutdown.detection.httpGet.port %q: name the IDE's port %q or give a number", g.Port.StrVal, PortName)
		}
		port = Port
	}
	host := g.Host
	if host == "" {
		host = ServiceName(ws.Name) + "." + ws.Namespace + ".svc"
	}
	scheme := strings.ToLower(string(g.Scheme))
	if scheme == "" {
		scheme = "http"
	}
	return scheme + "://" + host + ":" + strconv.Itoa(port) + "/" + strings.TrimPrefix(g.Path, "/"), nil
}

// httpRead GETs u from the operator and returns a 2xx answer's body.
func (r *Reconciler) httpRead(ctx context.Context, u string, headers []corev1.HTTPHeader) ([]byte, error) {
	c := r.Options.HTTPClient
	if c == nil {
		c = &http.Client{Timeout: probeTimeout}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	for _, h := range headers {
		req.Header.Set(h.Name, h.Value)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", u, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return nil, fmt.Errorf("read %s: HTTP %d", u, resp.StatusCode)
	}
	return body, nil
}
