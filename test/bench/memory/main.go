// Command memory is the measuring half of hack/bench-memory.sh: against a
// cluster where `weir manager` already runs (with --pprof-bind-address), it
// creates R Runs (half scheduled) and W Workspaces across T templates with
// many parallel clients, waits until every one is current (status written
// for its generation) and every child exists, lets the manager settle, forces
// a GC through the heap profile endpoint and samples its memory: VmRSS (steady)
// and VmHWM (peak) from /proc, the Go heap in use from its metrics. It saves
// the heap profile for `go tool pprof` and prints machine-readable lines
// (rss_mib_steady, rss_mib_peak, heap_inuse_mib, rss_mib_anon,
// rss_mib_file) after a table. Figures are
// reported, never asserted.
//
//	go run ./test/bench/memory -runs 10000 -workspaces 5000 -pid 1234 -pprof http://127.0.0.1:6060
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"text/tabwriter"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/manager"

	"github.com/weir-dev/weir/test/bench/benchutil"
)

var (
	nRuns      = flag.Int("runs", 10000, "number of Runs; every other one is scheduled")
	nWS        = flag.Int("workspaces", 5000, "number of Workspaces")
	templates  = flag.Int("templates", 5, "number of WorkspaceTemplates; Workspace i uses template i mod T")
	runsNS     = flag.String("runs-namespace", "bench-mem-runs", "namespace of the Runs (created if missing)")
	wsNS       = flag.String("workspaces-namespace", "bench-mem-ws", "namespace of the Workspaces (created if missing)")
	workers    = flag.Int("workers", 64, "parallel creators")
	pid        = flag.Int("pid", 0, "the manager's process id, for VmRSS/VmHWM")
	metricsURL = flag.String("metrics", "http://127.0.0.1:8080/metrics", "the manager's Prometheus endpoint")
	pprofURL   = flag.String("pprof", "http://127.0.0.1:6060", "the manager's net/http/pprof base URL")
	heapOut    = flag.String("heap-profile", "", "where to write the heap profile (empty: not kept)")
	settle     = flag.Duration("settle", 30*time.Second, "wait after convergence before and after the forced GC")
	timeout    = flag.Duration("timeout", 20*time.Minute, "give up on convergence after this long")
	interval   = flag.Duration("interval", 2*time.Second, "poll interval")
	existing   = flag.Bool("existing", false, "the objects exist already (a manager restarted against them): create nothing")
	controller = flag.Bool("workspaces-available", false, "also wait for Available Workspaces (needs the controller-manager and scheduler)")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "memory:", err)
		os.Exit(1)
	}
}

func q(s string) *resource.Quantity { v := resource.MustParse(s); return &v }

func newRun(i int) client.Object {
	r := &runsv1.Run{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("run-%05d", i), Namespace: *runsNS},
		Spec: runsv1.RunSpec{Runs: []runtime.RawExtension{{Raw: fmt.Appendf(nil,
			`{"postgresql":{"host":"db-%d.example.com","port":5432,"database":"production","user":"readonly"}}`, i)}}},
	}
	if i%2 == 0 {
		r.Spec.Schedule = "0 */6 * * *"
	}
	return r
}

func templateName(t int) string { return fmt.Sprintf("bench-mem-template-%02d", t) }

func newTemplate(t int) client.Object {
	return &wsv1.WorkspaceTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: templateName(t)},
		Spec: wsv1.WorkspaceTemplateSpec{
			DisplayName:   fmt.Sprintf("Bench template %d", t),
			DefaultImage:  "jupyter/minimal-notebook:latest",
			AllowedImages: []string{"jupyter/minimal-notebook:latest", "jupyter/scipy-notebook:latest"},
			DefaultResources: &corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: *q("10m"), corev1.ResourceMemory: *q("64Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: *q("128Mi")},
			},
			PrimaryStorage:       &wsv1.PrimaryStorage{DefaultSize: q("1Gi"), MinSize: q("100Mi"), MaxSize: q("10Gi")},
			EnvironmentVariables: []corev1.EnvVar{{Name: "BENCH_TEMPLATE", Value: fmt.Sprint(t)}},
		},
	}
}

func newWorkspace(i int) client.Object {
	ws := &wsv1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("ws-%05d", i), Namespace: *wsNS},
		Spec: wsv1.WorkspaceSpec{
			DisplayName:   fmt.Sprintf("Bench workspace %d", i),
			TemplateRef:   templateName(i % *templates),
			DesiredStatus: wsv1.DesiredRunning,
		},
	}
	if i%2 == 1 {
		ws.Spec.Image = "jupyter/scipy-notebook:latest"
	}
	return ws
}

// state is one poll: objects whose status is current, children by kind.
type state struct {
	runs, runsCurrent, ws, wsCurrent, wsAvailable int
	cms, jobs, cronJobs, deployments              int
}

func (s state) converged() bool {
	ok := s.runsCurrent == *nRuns && s.wsCurrent == *nWS &&
		s.jobs >= *nRuns/2 && s.cronJobs >= (*nRuns+1)/2 && s.deployments >= *nWS
	if *controller {
		ok = ok && s.wsAvailable == *nWS
	}
	return ok
}

func (s state) String() string {
	return fmt.Sprintf("runs=%d/%d current, workspaces=%d/%d current (%d available), configmaps=%d jobs=%d cronjobs=%d deployments=%d",
		s.runsCurrent, s.runs, s.wsCurrent, s.ws, s.wsAvailable, s.cms, s.jobs, s.cronJobs, s.deployments)
}

// count lists the metadata of Weir's objects of a kind in ns.
func count(ctx context.Context, c client.Client, gvk schema.GroupVersionKind, ns string) (int, error) {
	l := &metav1.PartialObjectMetadataList{}
	l.SetGroupVersionKind(gvk)
	err := c.List(ctx, l, client.InNamespace(ns), client.MatchingLabels{runsv1.LabelManagedBy: runsv1.ManagedBy})
	return len(l.Items), err
}

func poll(ctx context.Context, c client.Client) (state, error) {
	var s state
	runs := &runsv1.RunList{}
	if err := c.List(ctx, runs, client.InNamespace(*runsNS)); err != nil {
		return s, err
	}
	for i := range runs.Items {
		r := &runs.Items[i]
		s.runs++
		if r.Status.ObservedGeneration == r.Generation && meta.FindStatusCondition(r.Status.Conditions, runsv1.ConditionReady) != nil {
			s.runsCurrent++
		}
	}
	wss := &wsv1.WorkspaceList{}
	if err := c.List(ctx, wss, client.InNamespace(*wsNS)); err != nil {
		return s, err
	}
	for i := range wss.Items {
		ws := &wss.Items[i]
		s.ws++
		if ws.Status.ObservedGeneration == ws.Generation && len(ws.Status.Conditions) > 0 {
			s.wsCurrent++
		}
		if meta.IsStatusConditionTrue(ws.Status.Conditions, wsv1.ConditionAvailable) {
			s.wsAvailable++
		}
	}
	var err error
	for _, k := range []struct {
		n   *int
		gvk schema.GroupVersionKind
		ns  string
	}{
		{&s.cms, corev1.SchemeGroupVersion.WithKind("ConfigMapList"), *runsNS},
		{&s.jobs, batchv1.SchemeGroupVersion.WithKind("JobList"), *runsNS},
		{&s.cronJobs, batchv1.SchemeGroupVersion.WithKind("CronJobList"), *runsNS},
		{&s.deployments, appsv1.SchemeGroupVersion.WithKind("DeploymentList"), *wsNS},
	} {
		if *k.n, err = count(ctx, c, k.gvk, k.ns); err != nil {
			return s, err
		}
	}
	return s, nil
}

// heapProfile forces a GC (?gc=1) while it fetches the heap profile, keeps
// the profile for `go tool pprof`, then reads go_memstats_heap_inuse_bytes:
// the heap's spans in use right after that GC.
func heapProfile(ctx context.Context) (inuse float64, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *pprofURL+"/debug/pprof/heap?gc=1", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: %s", req.URL, resp.Status)
	}
	if *heapOut != "" {
		if err := os.WriteFile(*heapOut, b, 0o644); err != nil {
			return 0, err
		}
	}
	samples, err := benchutil.Scrape(ctx, *metricsURL)
	if err != nil {
		return 0, err
	}
	for _, s := range samples {
		if s.Name == "go_memstats_heap_inuse_bytes" {
			return s.Value, nil
		}
	}
	return 0, fmt.Errorf("%s has no go_memstats_heap_inuse_bytes", *metricsURL)
}

// waitIdle waits until the Run and Workspace controllers reconciled every
// object once and no work queue holds anything.
func waitIdle(ctx context.Context, start time.Time) error {
	for {
		samples, err := benchutil.Scrape(ctx, *metricsURL)
		if err != nil {
			return err
		}
		depth, runs, wss := 0.0, 0.0, 0.0
		for _, s := range samples {
			switch {
			case s.Name == "workqueue_depth":
				depth += s.Value
			case s.Name == "controller_runtime_reconcile_total" && s.Labels["controller"] == "run":
				runs += s.Value
			case s.Name == "controller_runtime_reconcile_total" && s.Labels["controller"] == "workspace":
				wss += s.Value
			}
		}
		if depth == 0 && runs >= float64(*nRuns) && wss >= float64(*nWS) {
			return nil
		}
		if time.Since(start) > *timeout {
			return fmt.Errorf("the manager did not go idle after %v: queued %.0f, reconciles run %.0f workspace %.0f", *timeout, depth, runs, wss)
		}
		time.Sleep(*interval)
	}
}

func run() error {
	ctx := context.Background()
	c, err := benchutil.Client(ctx, manager.Scheme(), *runsNS, *wsNS)
	if err != nil {
		return err
	}
	_, startRSS := benchutil.ProcMem(*pid)
	var peakMu sync.Mutex
	var peakHWM float64
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go func() { // VmHWM, sampled each second
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			hwm, _ := benchutil.ProcMem(*pid)
			peakMu.Lock()
			peakHWM = max(peakHWM, hwm)
			peakMu.Unlock()
			select {
			case <-watchCtx.Done():
				return
			case <-t.C:
			}
		}
	}()

	start := time.Now()
	if !*existing {
		fmt.Fprintf(os.Stderr, "creating %d templates, %d Workspaces and %d Runs with %d workers\n", *templates, *nWS, *nRuns, *workers)
		if err := benchutil.CreateAll(ctx, c, *workers, *templates, newTemplate); err != nil {
			return err
		}
		errs := make(chan error, 2)
		go func() { errs <- benchutil.CreateAll(ctx, c, *workers/2, *nRuns, newRun) }()
		go func() { errs <- benchutil.CreateAll(ctx, c, *workers/2, *nWS, newWorkspace) }()
		for range 2 {
			if err := <-errs; err != nil {
				return err
			}
		}
	}
	created := time.Since(start)
	fmt.Fprintf(os.Stderr, "created in %.1fs\n", created.Seconds())

	var st state
	lastLog := time.Now()
	for {
		s, err := poll(ctx, c)
		if err != nil {
			fmt.Fprintln(os.Stderr, "memory: poll:", err)
		} else if st = s; st.converged() {
			break
		}
		if time.Since(lastLog) > 15*time.Second {
			fmt.Fprintf(os.Stderr, "  %5.1fs waiting: %v\n", time.Since(start).Seconds(), st)
			lastLog = time.Now()
		}
		if time.Since(start) > *timeout {
			return fmt.Errorf("not converged after %v: %v", *timeout, st)
		}
		time.Sleep(*interval)
	}
	if *existing {
		// A restarted manager reconciles every object once with nothing to
		// write: measure after that pass, not during it.
		if err := waitIdle(ctx, start); err != nil {
			return err
		}
	}
	conv := time.Since(start)
	_, rssAtConv := benchutil.ProcMem(*pid)
	fmt.Fprintf(os.Stderr, "converged in %.1fs: %v; settling %v, GC, settling %v\n", conv.Seconds(), st, *settle, *settle)
	time.Sleep(*settle)
	inuse, err := heapProfile(ctx)
	if err != nil {
		return err
	}
	time.Sleep(*settle) // the scavenger returns freed pages over time
	// VmRSS split into anonymous pages (the Go heap, stacks, the
	// runtime's) and file pages (the binary's text and read-only data that
	// were touched: clean and reclaimable under pressure, but counted).
	proc := benchutil.ProcStatus(*pid)
	hwm, rss, anon, file := proc["VmHWM"], proc["VmRSS"], proc["RssAnon"], proc["RssFile"]
	stopWatch()
	peakMu.Lock()
	peak := max(peakHWM, hwm)
	peakMu.Unlock()

	mib := func(b float64) float64 { return b / (1 << 20) }
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "Weir manager memory: %d Runs (half scheduled), %d Workspaces across %d templates, %s\n",
		*nRuns, *nWS, *templates, time.Now().UTC().Format(time.RFC3339))
	if *existing {
		fmt.Fprintf(w, "objects\tthere before the manager started (a restart)\n")
	} else {
		fmt.Fprintf(w, "create (client, %d parallel)\t%.1f s\n", *workers, created.Seconds())
	}
	fmt.Fprintf(w, "until every status is current, every child exists (and, on a restart, every object was reconciled)\t%.1f s (%v)\n", conv.Seconds(), st)
	fmt.Fprintf(w, "RSS before the load\t%.1f MiB\n", mib(startRSS))
	fmt.Fprintf(w, "RSS at convergence\t%.1f MiB\n", mib(rssAtConv))
	fmt.Fprintf(w, "RSS steady (VmRSS, %v after a forced GC)\t%.1f MiB\n", *settle, mib(rss))
	fmt.Fprintf(w, "  of which anonymous (RssAnon) / the binary's file pages (RssFile)\t%.1f / %.1f MiB\n", mib(anon), mib(file))
	fmt.Fprintf(w, "RSS peak (VmHWM)\t%.1f MiB\n", mib(peak))
	fmt.Fprintf(w, "Go heap in use after GC (go_memstats_heap_inuse_bytes)\t%.1f MiB\n", mib(inuse))
	w.Flush()
	fmt.Printf("rss_mib_steady %.1f\nrss_mib_peak %.1f\nheap_inuse_mib %.1f\n", mib(rss), mib(peak), mib(inuse))
	fmt.Printf("rss_mib_anon %.1f\nrss_mib_file %.1f\n", mib(anon), mib(file))
	// The table (test/bench/table) says when a figure was taken at a smaller size.
	fmt.Printf("memory_runs %d\nmemory_workspaces %d\n", *nRuns, *nWS)
	return nil
}
