// Command workspaces is the measuring half of hack/bench-workspaces.sh:
// against a kwok cluster where `weir manager` already runs with its
// webhooks, it creates T WorkspaceTemplates and N Workspaces spread across
// them, waits until every Workspace is Available (its Deployment's pod ready
// on a kwok node, its claim bound), then watches an idle window. It reads the
// operator's Prometheus endpoint and /proc/<pid>/status and prints a table.
// Figures are reported, never asserted.
//
//	go run ./test/bench/workspaces -n 1000 -templates 10 -metrics http://127.0.0.1:8080/metrics -pid 1234
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/manager"
	"github.com/weir-dev/weir/operator/workspaces"

	"github.com/weir-dev/weir/test/bench/benchutil"
)

// storageClass has no provisioner: the benchmark pre-creates one volume per
// Workspace, which the cluster's PV controller binds (kwok has no CSI).
const storageClass = "weir-bench-local"

var (
	n          = flag.Int("n", 1000, "number of Workspaces")
	templates  = flag.Int("templates", 10, "number of WorkspaceTemplates; Workspace i uses template i mod T")
	namespace  = flag.String("namespace", "bench-ws", "namespace of the Workspaces (created if missing)")
	workers    = flag.Int("workers", 16, "parallel creators")
	metricsURL = flag.String("metrics", "http://127.0.0.1:8080/metrics", "the operator's Prometheus endpoint")
	pid        = flag.Int("pid", 0, "the operator's process id, for VmHWM/VmRSS (0: skip)")
	idle       = flag.Duration("idle", 30*time.Second, "idle window after every Workspace is Available")
	timeout    = flag.Duration("timeout", 15*time.Minute, "give up on convergence after this long")
	interval   = flag.Duration("interval", time.Second, "poll interval")
	logErrors  = flag.String("log", "", "the operator's log file, to count error lines (optional)")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "workspaces:", err)
		os.Exit(1)
	}
}

// controllers whose reconciles are counted (controller-runtime names).
var controllers = []string{"workspace", "workspacetemplate"}

// sample is one scrape of the operator's metrics.
type sample = benchutil.Figures

func scrape(ctx context.Context) (sample, error) { return benchutil.ScrapeFigures(ctx, *metricsURL) }

func mustScrape(ctx context.Context) sample {
	return benchutil.MustScrapeFigures(ctx, *metricsURL, "workspaces")
}

// peak follows the operator's resident memory while the benchmark runs.
type peak struct {
	mu            sync.Mutex
	hwm, promRSS  float64
	scrapeErrors  int
	lastProcRSS   float64
	lastScrapeRSS float64
}

// observe reads /proc and, with metrics, the operator's endpoint.
func (p *peak) observe(ctx context.Context, metrics bool) {
	hwm, rss := benchutil.ProcMem(*pid)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hwm, p.lastProcRSS = max(p.hwm, hwm), rss
	if !metrics {
		return
	}
	s, err := scrape(ctx)
	if err != nil {
		p.scrapeErrors++
	}
	p.promRSS, p.lastScrapeRSS = max(p.promRSS, s.RSS), s.RSS
}

// watch reads /proc every second and the metrics every 10 s: a scrape
// (the whole registry, gzipped) costs the operator CPU the benchmark
// counts as its own (a tenth of it at one a second).
func (p *peak) watch(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for i := 0; ; i++ {
		p.observe(ctx, i%10 == 0)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func q(s string) *resource.Quantity { v := resource.MustParse(s); return &v }

// newTemplate is template t: small requests (a thousand pods fit on two
// kwok nodes), bounds the Workspaces stay within, storage in the bench class.
func newTemplate(t int) *wsv1.WorkspaceTemplate {
	class := storageClass
	return &wsv1.WorkspaceTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bench-template-%02d", t)},
		Spec: wsv1.WorkspaceTemplateSpec{
			DisplayName:   fmt.Sprintf("Bench template %d", t),
			DefaultImage:  "jupyter/minimal-notebook:latest",
			AllowedImages: []string{"jupyter/minimal-notebook:latest", "jupyter/scipy-notebook:latest"},
			DefaultResources: &corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: *q("10m"), corev1.ResourceMemory: *q("64Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: *q("128Mi")},
			},
			ResourceBounds: &wsv1.ResourceBounds{
				CPU:    &wsv1.ResourceRange{Min: q("10m"), Max: q("2")},
				Memory: &wsv1.ResourceRange{Min: q("64Mi"), Max: q("4Gi")},
			},
			PrimaryStorage: &wsv1.PrimaryStorage{
				DefaultSize: q("1Gi"), MinSize: q("100Mi"), MaxSize: q("10Gi"),
				DefaultStorageClassName: &class,
			},
			EnvironmentVariables: []corev1.EnvVar{{Name: "BENCH_TEMPLATE", Value: fmt.Sprint(t)}},
		},
	}
}

// newWorkspace is Workspace i: it names its template and, every other one,
// an allowed image of its own; the rest it inherits.
func newWorkspace(i int) *wsv1.Workspace {
	ws := &wsv1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("ws-%05d", i), Namespace: *namespace},
		Spec: wsv1.WorkspaceSpec{
			DisplayName:   fmt.Sprintf("Bench workspace %d", i),
			TemplateRef:   newTemplate(i % *templates).Name,
			DesiredStatus: wsv1.DesiredRunning,
		},
	}
	if i%2 == 1 {
		ws.Spec.Image = "jupyter/scipy-notebook:latest"
	}
	return ws
}

// newVolume is one pre-created volume the claims bind to.
func newVolume(i int) *corev1.PersistentVolume {
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("weir-bench-pv-%05d", i)},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: *q("1Gi")},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName:              storageClass,
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{
				Path: fmt.Sprintf("/var/lib/weir-bench/%05d", i)}},
		},
	}
}

// state is what one poll of the Workspaces found.
type state struct {
	workspaces, current, valid, available int
	claims, services, deployments         int             // children named after the benchmark's Workspaces
	toAvailable                           []time.Duration // creation → Available=True, per Workspace
}

// converged is Weir's part done: every child exists and every status is
// current (observedGeneration == generation, with a Valid condition), as
// the Runs benchmark counts it. What is left is the cluster's: the
// ReplicaSet, the pod, the claim's binding, the pod ready on kwok.
func (s state) converged(n int) bool {
	return s.workspaces == n && s.current == n && s.claims == n && s.services == n && s.deployments == n
}

// allAvailable: also every pod ready and every status saying so.
func (s state) allAvailable(n int) bool { return s.converged(n) && s.available == n }

func (s state) String() string {
	return fmt.Sprintf("workspaces=%d current=%d valid=%d available=%d claims=%d services=%d deployments=%d",
		s.workspaces, s.current, s.valid, s.available, s.claims, s.services, s.deployments)
}

func metaList(kind schema.GroupVersionKind) *metav1.PartialObjectMetadataList {
	l := &metav1.PartialObjectMetadataList{}
	l.SetGroupVersionKind(kind)
	return l
}

// countChildren counts the children (metadata only) of kind named
// name(Workspace i) for the benchmark's Workspaces.
func countChildren(ctx context.Context, c client.Client, kind schema.GroupVersionKind, name func(string) string) (int, error) {
	l := metaList(kind)
	if err := c.List(ctx, l, client.InNamespace(*namespace), client.MatchingLabels{runsv1.LabelManagedBy: runsv1.ManagedBy}); err != nil {
		return 0, err
	}
	have := make(map[string]bool, len(l.Items))
	for _, o := range l.Items {
		have[o.Name] = true
	}
	k := 0
	for i := range *n {
		if have[name(newWorkspace(i).Name)] {
			k++
		}
	}
	return k, nil
}

// poll lists the Workspaces and, until every one was seen, their children
// (the benchmark deletes none).
func poll(ctx context.Context, c client.Client, prev state) (state, error) {
	s := state{claims: prev.claims, services: prev.services, deployments: prev.deployments}
	l := &wsv1.WorkspaceList{}
	if err := c.List(ctx, l, client.InNamespace(*namespace)); err != nil {
		return prev, err
	}
	for _, k := range []struct {
		have *int
		kind schema.GroupVersionKind
		name func(string) string
	}{
		{&s.claims, corev1.SchemeGroupVersion.WithKind("PersistentVolumeClaimList"), workspaces.ClaimName},
		{&s.services, corev1.SchemeGroupVersion.WithKind("ServiceList"), workspaces.ServiceName},
		{&s.deployments, appsv1.SchemeGroupVersion.WithKind("DeploymentList"), workspaces.DeploymentName},
	} {
		if *k.have == *n {
			continue
		}
		got, err := countChildren(ctx, c, k.kind, k.name)
		if err != nil {
			return prev, err
		}
		*k.have = got
	}
	for i := range l.Items {
		ws := &l.Items[i]
		s.workspaces++
		if ws.Status.ObservedGeneration != ws.Generation || meta.FindStatusCondition(ws.Status.Conditions, wsv1.ConditionValid) == nil {
			continue
		}
		s.current++
		if meta.IsStatusConditionTrue(ws.Status.Conditions, wsv1.ConditionValid) {
			s.valid++
		}
		if a := meta.FindStatusCondition(ws.Status.Conditions, wsv1.ConditionAvailable); a != nil && a.Status == metav1.ConditionTrue {
			s.available++
			s.toAvailable = append(s.toAvailable, a.LastTransitionTime.Sub(ws.CreationTimestamp.Time))
		}
	}
	return s, nil
}

// countEvents counts the Events Weir's controllers reported in the
// namespace (objects; -1 when they cannot be listed).
func countEvents(ctx context.Context, c client.Client) int {
	l := &eventsv1.EventList{}
	if err := c.List(ctx, l, client.InNamespace(*namespace)); err != nil {
		fmt.Fprintln(os.Stderr, "workspaces: listing Events:", err)
		return -1
	}
	n := 0
	for _, e := range l.Items {
		if strings.HasPrefix(e.ReportingController, "weir") {
			n++
		}
	}
	return n
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[int(p*float64(len(s)-1)+0.5)]
}

func run() error {
	ctx := context.Background()
	c, err := benchutil.Client(ctx, manager.Scheme(), *namespace)
	if err != nil {
		return err
	}

	// The cluster side, before the clock: a class and a volume per Workspace.
	immediate := storagev1.VolumeBindingImmediate
	if err := c.Create(ctx, &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: storageClass},
		Provisioner: "kubernetes.io/no-provisioner", VolumeBindingMode: &immediate}); client.IgnoreAlreadyExists(err) != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "creating %d PersistentVolumes (class %s)\n", *n, storageClass)
	if err := benchutil.CreateAll(ctx, c, *workers, *n, func(i int) client.Object { return newVolume(i) }); err != nil {
		return err
	}

	var pk peak
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	base := mustScrape(ctx)
	go pk.watch(watchCtx)

	// The clock starts with the first template.
	fmt.Fprintf(os.Stderr, "creating %d WorkspaceTemplates and %d Workspaces in %s with %d workers\n", *templates, *n, *namespace, *workers)
	start := time.Now()
	if err := benchutil.CreateAll(ctx, c, *workers, *templates, func(i int) client.Object { return newTemplate(i) }); err != nil {
		return err
	}
	if err := benchutil.CreateAll(ctx, c, *workers, *n, func(i int) client.Object { return newWorkspace(i) }); err != nil {
		return err
	}
	created := time.Since(start)
	fmt.Fprintf(os.Stderr, "created in %.2fs\n", created.Seconds())

	conv, convT, convErr := waitFor(ctx, c, "converged", start, func(s state) bool { return s.converged(*n) }, state{})
	atConv := mustScrape(ctx)
	fmt.Fprintf(os.Stderr, "converged in %.2fs: %v\n", convT.Seconds(), conv)
	st, availT, availErr := conv, convT, convErr
	if convErr == nil {
		st, availT, availErr = waitFor(ctx, c, "every Workspace Available", start, func(s state) bool { return s.allAvailable(*n) }, conv)
	}
	atAvail := mustScrape(ctx)
	fmt.Fprintf(os.Stderr, "all Available in %.2fs: %v\nidle window: %v\n", availT.Seconds(), st, *idle)
	time.Sleep(*idle)
	atIdle := mustScrape(ctx)
	stopWatch()
	pk.observe(ctx, true)

	N := float64(*n)
	recs := func(a, b sample) (total, errs float64) {
		for _, name := range controllers {
			total += a.Reconciles[name] - b.Reconciles[name]
			errs += a.Errors[name] - b.Errors[name]
		}
		return total, errs
	}
	byMethod := func(a, b sample) string {
		var parts []string
		for _, m := range benchutil.WriteMethods {
			parts = append(parts, fmt.Sprintf("%s %.0f", m, a.Writes[m]-b.Writes[m]))
		}
		return strings.Join(parts, ", ")
	}
	mib := func(b float64) string {
		if b == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	}
	status := func(err error) string {
		if err != nil {
			return "NOT REACHED (" + err.Error() + ")"
		}
		return "ok"
	}
	recConv, errConv := recs(atConv, base)
	recAvail, errAvail := recs(atAvail, base)
	recIdle, _ := recs(atIdle, atAvail)
	events := countEvents(ctx, c)
	writes := atConv.TotalWrites() - base.TotalWrites()
	writesAvail := atAvail.TotalWrites() - base.TotalWrites()
	// Events are counted as objects at the end (a series would be one);
	// a new Workspace's one Event is written by the pass that converges it.
	besides := (writes - float64(max(events, 0))) / N
	besidesAvail := (writesAvail - float64(max(events, 0))) / N

	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	row := func(k, v string, a ...any) { fmt.Fprintf(w, "%s\t"+v+"\n", append([]any{k}, a...)...) }
	fmt.Fprintf(w, "Weir Workspace benchmark: %d Workspaces across %d WorkspaceTemplates in namespace %s, %s\n",
		*n, *templates, *namespace, time.Now().UTC().Format(time.RFC3339))
	row("create (client, parallel)", "%.2f s (%.0f Workspaces/s)", created.Seconds(), N/created.Seconds())
	row("time to converge (Weir)", "%.2f s (%.1f Workspaces/s) %s", convT.Seconds(), N/convT.Seconds(), status(convErr))
	row("wall time until all Available", "%.2f s (%.1f Workspaces/s) %s", availT.Seconds(), N/availT.Seconds(), status(availErr))
	row("per Workspace, creation → Available", "median %.1f s, p90 %.1f s, max %.1f s (condition lastTransitionTime, 1 s resolution)",
		percentile(st.toAvailable, 0.5).Seconds(), percentile(st.toAvailable, 0.9).Seconds(), percentile(st.toAvailable, 1).Seconds())
	row("API writes per Workspace, to converge", "%.2f (%s)", writes/N, byMethod(atConv, base))
	row("  besides Events", "%.2f", besides)
	row("API writes per Workspace, to Available", "%.2f (%s)", writesAvail/N, byMethod(atAvail, base))
	row("  besides Events", "%.2f", besidesAvail)
	row("  of which events.k8s.io Events", "%d objects (%.2f per Workspace)", events, float64(events)/N)
	row("operator CPU, to converge", "%.2f s (to Available %.2f s, in idle window %.2f s)",
		atConv.CPU-base.CPU, atAvail.CPU-base.CPU, atIdle.CPU-atAvail.CPU)
	perCtrl := func(at sample) string {
		var parts []string
		for _, name := range controllers {
			parts = append(parts, fmt.Sprintf("%s %.2f", name, (at.Reconciles[name]-base.Reconciles[name])/N))
		}
		return strings.Join(parts, ", ")
	}
	row("reconciles per Workspace, to converge", "%.2f (%s; errors %.0f)", recConv/N, perCtrl(atConv), errConv)
	row("reconciles per Workspace, to Available", "%.2f (%s; errors %.0f)", recAvail/N, perCtrl(atAvail), errAvail)
	if d := atConv.RecCount["workspace"] - base.RecCount["workspace"]; d > 0 {
		row("mean Workspace reconcile, to converge", "%.0f ms over %.0f reconciles, %.0f worker(s); mean wait in the work queue %.2f s",
			1000*(atConv.RecSum["workspace"]-base.RecSum["workspace"])/d, d, atConv.Workers["workspace"], (atConv.QueueSum["workspace"]-base.QueueSum["workspace"])/max(atConv.QueueCount["workspace"]-base.QueueCount["workspace"], 1))
	}
	row("API writes at rest", "%.0f in %v (%s)", atIdle.TotalWrites()-atAvail.TotalWrites(), *idle, byMethod(atIdle, atAvail))
	row("reconciles at rest", "%.0f in %v", recIdle, *idle)
	row("manager peak RSS (VmHWM)", "%s (VmRSS now %s; peak process_resident_memory_bytes %s, sampled 1/10 s)",
		mib(pk.hwm), mib(pk.lastProcRSS), mib(pk.promRSS))
	row("Workspaces current / Valid / Available", "%d / %d / %d of %d", st.current, st.valid, st.available, st.workspaces)
	if *logErrors != "" {
		row("operator log error lines", "%d", benchutil.CountErrorLines(*logErrors))
	}
	if pk.scrapeErrors > 0 {
		row("metrics scrape errors", "%d", pk.scrapeErrors)
	}
	w.Flush()
	// One line per figure for `make bench`'s table: "bench-workspaces KEY VALUE".
	for _, kv := range []struct {
		k string
		v float64
	}{
		{"converge_seconds", convT.Seconds()},
		{"available_seconds", availT.Seconds()},
		{"writes_per_workspace", writes / N},
		{"writes_per_workspace_besides_events", besides},
		{"writes_per_workspace_to_available", writesAvail / N},
		{"writes_per_workspace_besides_events_to_available", besidesAvail},
		{"events_per_workspace", float64(events) / N},
		{"cpu_seconds_to_converge", atConv.CPU - base.CPU},
		{"cpu_seconds_to_available", atAvail.CPU - base.CPU},
		{"writes_at_rest", atIdle.TotalWrites() - atAvail.TotalWrites()},
		{"reconciles_per_workspace", recConv / N},
		{"reconciles_per_workspace_to_available", recAvail / N},
		{"peak_rss_mib", pk.hwm / (1 << 20)},
		{"reconcile_ms_to_converge", 1000 * (atConv.RecSum["workspace"] - base.RecSum["workspace"]) / max(atConv.RecCount["workspace"]-base.RecCount["workspace"], 1)},
		{"queue_wait_seconds_to_converge", (atConv.QueueSum["workspace"] - base.QueueSum["workspace"]) / max(atConv.QueueCount["workspace"]-base.QueueCount["workspace"], 1)},
	} {
		fmt.Printf("bench-workspaces %s %.3f\n", kv.k, kv.v)
	}
	fmt.Println("converged: every child (claim, Service, Deployment) exists, every status has observedGeneration == generation and a Valid condition.")
	fmt.Println("Available: also Available=True (the Deployment's pod ready on a kwok node): the cluster's part (ReplicaSet, pod, binding, kwok).")
	fmt.Println("Writes: the manager's rest_client_requests_total, POST+PUT+PATCH+DELETE, all controllers. The run is one sample; medians are over Workspaces.")
	return errors.Join(convErr, availErr)
}

func waitFor(ctx context.Context, c client.Client, what string, start time.Time, done func(state) bool, prev state) (state, time.Duration, error) {
	return benchutil.WaitFor("workspaces", what, start, *timeout, *interval,
		func(prev state) (state, error) { return poll(ctx, c, prev) }, done, prev)
}
