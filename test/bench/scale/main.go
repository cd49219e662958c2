// Command scale is the measuring half of hack/bench-scale.sh: against a
// cluster where `weir manager` already runs, it creates N Runs (half of them
// scheduled) in parallel, waits until every child exists and every status is
// current, then until every one-off Job has finished and its Run says so,
// then watches an idle window. It reads the operator's Prometheus endpoint
// and /proc/<pid>/status, and prints a summary table.
//
//	go run ./test/bench/scale -n 1000 -metrics http://127.0.0.1:8080/metrics -pid 1234
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/manager"

	"github.com/weir-dev/weir/test/bench/benchutil"
)

const schedule = "0 */6 * * *"

var (
	n          = flag.Int("n", 1000, "number of Runs; every other one is scheduled")
	namespace  = flag.String("namespace", "bench", "namespace of the Runs (created if missing)")
	workers    = flag.Int("workers", 16, "parallel creators")
	metricsURL = flag.String("metrics", "http://127.0.0.1:8080/metrics", "the operator's Prometheus endpoint")
	pid        = flag.Int("pid", 0, "the operator's process id, for VmHWM/VmRSS (0: skip)")
	idle       = flag.Duration("idle", 30*time.Second, "idle window after everything settled")
	timeout    = flag.Duration("timeout", 15*time.Minute, "give up on convergence or settling after this long")
	interval   = flag.Duration("interval", 500*time.Millisecond, "poll interval")
	logErrors  = flag.String("log", "", "the operator's log file, to count error lines (optional)")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

// benchutil.WriteMethods are the HTTP methods counted as API writes.
// sample is one scrape of the operator's metrics.
type sample = benchutil.Figures

func scrape(ctx context.Context) (sample, error) { return benchutil.ScrapeFigures(ctx, *metricsURL) }

// peaks follows the operator's memory while the benchmark runs.
type peaks struct {
	mu                           sync.Mutex
	rss, heapInuse, hwm, procRSS float64
	scrapeErrs                   int
}

func (p *peaks) watch(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		p.observe(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (p *peaks) observe(ctx context.Context) sample {
	s, err := scrape(ctx)
	hwm, rss := benchutil.ProcMem(*pid)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.scrapeErrs++
	}
	p.rss, p.heapInuse = max(p.rss, s.RSS), max(p.heapInuse, s.HeapInuse)
	p.hwm, p.procRSS = max(p.hwm, hwm), max(p.procRSS, rss)
	return s
}

func mustScrape(ctx context.Context) sample {
	return benchutil.MustScrapeFigures(ctx, *metricsURL, "scale")
}

func newRun(i int) *runsv1.Run {
	r := &runsv1.Run{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("run-%05d", i), Namespace: *namespace},
		Spec: runsv1.RunSpec{Runs: []runtime.RawExtension{{Raw: []byte(fmt.Sprintf(
			`{"postgresql":{"host":"db-%d.example.com","port":5432,"database":"production","user":"readonly"}}`, i))}}},
	}
	if i%2 == 0 {
		r.Spec.Schedule = schedule
	}
	return r
}

// state is what one poll of the cluster found.
type state struct {
	runs, current, readyTrue int
	phases                   map[string]int
	cms, jobs, cronJobs      int // children named after Runs, of the right kind; ConfigMaps counted at the end only

	oneOffDone  int // one-off Runs whose status says the Job finished
	jobsDone    int // one-off Jobs that finished (Complete or Failed), as the cluster says
	scheduledOK int // scheduled Runs in phase Scheduled
}

func (s state) converged(n int) bool {
	return s.runs == n && s.current == n && s.jobs == n/2 && s.cronJobs == (n+1)/2
}

func (s state) settled(n int) bool {
	return s.converged(n) && s.oneOffDone == n/2 && s.scheduledOK == (n+1)/2
}

func metaList(kind schema.GroupVersionKind) *metav1.PartialObjectMetadataList {
	l := &metav1.PartialObjectMetadataList{}
	l.SetGroupVersionKind(kind)
	return l
}

// poll lists the Runs and their children. Children lists are skipped once
// every child was seen (they are not deleted by the benchmark).
func poll(ctx context.Context, c client.Client, prev state) (state, error) {
	n := *n
	s := state{phases: map[string]int{}, cms: prev.cms, jobs: prev.jobs, cronJobs: prev.cronJobs}
	runs := &runsv1.RunList{}
	if err := c.List(ctx, runs, client.InNamespace(*namespace)); err != nil {
		return s, err
	}
	for i := range runs.Items {
		r := &runs.Items[i]
		s.runs++
		ready := meta.FindStatusCondition(r.Status.Conditions, runsv1.ConditionReady)
		if r.Status.ObservedGeneration == r.Generation && ready != nil {
			s.current++
			if ready.Status == metav1.ConditionTrue {
				s.readyTrue++
			}
		}
		phase := string(r.Status.Phase)
		if phase == "" {
			phase = "<none>"
		}
		s.phases[phase]++
		switch {
		case r.Spec.Schedule == "" && (r.Status.Phase == runsv1.PhaseSucceeded || r.Status.Phase == runsv1.PhaseFailed):
			s.oneOffDone++
		case r.Spec.Schedule != "" && r.Status.Phase == runsv1.PhaseScheduled:
			s.scheduledOK++
		}
	}
	managed := client.MatchingLabels{runsv1.LabelManagedBy: runsv1.ManagedBy}
	names := func(l *metav1.PartialObjectMetadataList) map[string]bool {
		m := make(map[string]bool, len(l.Items))
		for _, o := range l.Items {
			m[o.Name] = true
		}
		return m
	}
	if s.jobs < n/2 {
		l := metaList(batchv1.SchemeGroupVersion.WithKind("JobList"))
		if err := c.List(ctx, l, client.InNamespace(*namespace), managed); err != nil {
			return s, err
		}
		have := names(l)
		s.jobs = 0
		for i := 1; i < n; i += 2 {
			if have[newRun(i).Name] {
				s.jobs++
			}
		}
	}
	if s.cronJobs < (n+1)/2 {
		l := metaList(batchv1.SchemeGroupVersion.WithKind("CronJobList"))
		if err := c.List(ctx, l, client.InNamespace(*namespace), managed); err != nil {
			return s, err
		}
		have := names(l)
		s.cronJobs = 0
		for i := 0; i < n; i += 2 {
			if have[newRun(i).Name] {
				s.cronJobs++
			}
		}
	}
	if s.jobs == n/2 && s.oneOffDone < n/2 {
		// Once every Job exists: how many finished, to tell the cluster's
		// lag (Job controller, kwok) from the operator's.
		l := &batchv1.JobList{}
		if err := c.List(ctx, l, client.InNamespace(*namespace),
			client.MatchingLabels{runsv1.LabelManagedBy: runsv1.ManagedBy, runsv1.LabelJobKind: "run"}); err != nil {
			return s, err
		}
		for i := range l.Items {
			for _, cond := range l.Items[i].Status.Conditions {
				if (cond.Type == batchv1.JobComplete || cond.Type == batchv1.JobFailed) && cond.Status == corev1.ConditionTrue {
					s.jobsDone++
					break
				}
			}
		}
		if s.jobsDone == n/2 && jobsDoneAt.IsZero() {
			jobsDoneAt = time.Now()
		}
	} else if s.oneOffDone == n/2 {
		s.jobsDone = n / 2
	}
	return s, nil
}

// countConfigMaps counts the pipeline ConfigMaps of the benchmark's Runs:
// none is expected, as their pipelines travel in the pod template (a
// ConfigMap only carries one too large for it), so convergence does not
// wait for them; they are counted to show it.
func countConfigMaps(ctx context.Context, c client.Client) int {
	l := metaList(corev1.SchemeGroupVersion.WithKind("ConfigMapList"))
	if err := c.List(ctx, l, client.InNamespace(*namespace), client.MatchingLabels{runsv1.LabelManagedBy: runsv1.ManagedBy}); err != nil {
		fmt.Fprintln(os.Stderr, "scale: listing ConfigMaps:", err)
		return -1
	}
	have := map[string]bool{}
	for _, o := range l.Items {
		have[o.Name] = true
	}
	cms := 0
	for i := range *n {
		if have[newRun(i).Name+"-config"] {
			cms++
		}
	}
	return cms
}

// jobsDoneAt is when every one-off Job was first seen finished.
var jobsDoneAt time.Time

func (s state) String() string {
	return fmt.Sprintf("runs=%d current=%d configmaps=%d jobs=%d cronjobs=%d jobs-finished=%d one-off-runs-done=%d phases=%v",
		s.runs, s.current, s.cms, s.jobs, s.cronJobs, s.jobsDone, s.oneOffDone, s.phases)
}

func waitFor(ctx context.Context, c client.Client, what string, start time.Time, done func(state) bool, prev state) (state, time.Duration, error) {
	return benchutil.WaitFor("scale", what, start, *timeout, *interval,
		func(prev state) (state, error) { return poll(ctx, c, prev) }, done, prev)
}

func run() error {
	ctx := context.Background()
	c, err := benchutil.Client(ctx, manager.Scheme(), *namespace)
	if err != nil {
		return err
	}

	var pk peaks
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	base := mustScrape(ctx)
	go pk.watch(watchCtx)

	// Create: the clock starts here.
	fmt.Fprintf(os.Stderr, "creating %d Runs in %s with %d workers\n", *n, *namespace, *workers)
	start := time.Now()
	if err := benchutil.CreateAll(ctx, c, *workers, *n, func(i int) client.Object { return newRun(i) }); err != nil {
		return fmt.Errorf("creating Runs: %w", err)
	}
	created := time.Since(start)
	fmt.Fprintf(os.Stderr, "created %d Runs in %.2fs\n", *n, created.Seconds())

	conv, convT, convErr := waitFor(ctx, c, "converged", start, func(s state) bool { return s.converged(*n) }, state{})
	atConv := pk.observe(ctx)
	fmt.Fprintf(os.Stderr, "converged in %.2fs: %v\n", convT.Seconds(), conv)

	set, setT, setErr := conv, convT, convErr
	if convErr == nil {
		set, setT, setErr = waitFor(ctx, c, "settled", start, func(s state) bool { return s.settled(*n) }, conv)
		if jobsDoneAt.IsZero() && setErr == nil {
			jobsDoneAt = time.Now() // finished between two polls
		}
		fmt.Fprintf(os.Stderr, "settled in %.2fs: %v\n", setT.Seconds(), set)
	}
	atSet := pk.observe(ctx)

	fmt.Fprintf(os.Stderr, "idle window: %v\n", *idle)
	time.Sleep(*idle)
	atIdle := pk.observe(ctx)
	final, _ := poll(ctx, c, set)
	final.cms = countConfigMaps(ctx, c)
	stopWatch()
	hwm, rssNow := benchutil.ProcMem(*pid)
	pk.hwm = max(pk.hwm, hwm)

	events, series := countEvents(ctx, c)

	// The summary.
	N := float64(*n)
	mib := func(b float64) string {
		if b == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	}
	per := func(a, b sample) string { return fmt.Sprintf("%.2f", (a.TotalWrites()-b.TotalWrites())/N) }
	byMethod := func(a, b sample) string {
		var parts []string
		for _, m := range benchutil.WriteMethods {
			parts = append(parts, fmt.Sprintf("%s %.0f", m, a.Writes[m]-b.Writes[m]))
		}
		return strings.Join(parts, ", ")
	}
	status := func(err error) string {
		if err != nil {
			return "NOT REACHED (" + err.Error() + ")"
		}
		return "ok"
	}
	var phases []string
	for p, k := range final.phases {
		phases = append(phases, fmt.Sprintf("%s=%d", p, k))
	}
	sort.Strings(phases)

	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	row := func(k, v string, a ...any) { fmt.Fprintf(w, "%s\t"+v+"\n", append([]any{k}, a...)...) }
	fmt.Fprintf(w, "Weir scale benchmark: %d Runs (%d scheduled, %d one-off) in namespace %s, %s\n",
		*n, (*n+1)/2, *n/2, *namespace, time.Now().UTC().Format(time.RFC3339))
	row("create (client, parallel)", "%.2f s (%.0f Runs/s)", created.Seconds(), N/created.Seconds())
	row("time to converge", "%.2f s (%.1f Runs/s) %s", convT.Seconds(), N/convT.Seconds(), status(convErr))
	row("time to settle", "%.2f s %s", setT.Seconds(), status(setErr))
	if !jobsDoneAt.IsZero() {
		row("  every one-off Job finished at", "%.2f s (cluster side: Job controller + kwok)", jobsDoneAt.Sub(start).Seconds())
	}
	row("API writes per Run, to converge", "%s (%s)", per(atConv, base), byMethod(atConv, base))
	row("API writes per Run, to settle", "%s (%s)", per(atSet, base), byMethod(atSet, base))
	row("  of which events.k8s.io Events", "%d objects (%.2f per Run, series count %d)", events, float64(events)/N, series)
	row("API writes in idle window", "%.0f in %v (%s)", atIdle.TotalWrites()-atSet.TotalWrites(), *idle, byMethod(atIdle, atSet))
	row("operator CPU, to converge", "%.2f s (to settle %.2f s, in idle window %.2f s)",
		atConv.CPU-base.CPU, atSet.CPU-base.CPU, atIdle.CPU-atSet.CPU)
	row("reconciles per Run, to settle", "%.2f (errors %.0f)", (atSet.Reconciles["run"]-base.Reconciles["run"])/N, atSet.Errors["run"]-base.Errors["run"])
	row("reconciles in idle window", "%.0f", atIdle.Reconciles["run"]-atSet.Reconciles["run"])
	if d := atSet.RecCount["run"] - base.RecCount["run"]; d > 0 {
		row("mean reconcile time", "%.1f ms over %.0f reconciles, %.0f worker(s)", 1000*(atSet.RecSum["run"]-base.RecSum["run"])/d, d, atSet.Workers["run"])
	}
	if d := atConv.QueueCount["run"] - base.QueueCount["run"]; d > 0 {
		row("mean wait in the work queue, to converge", "%.2f s", (atConv.QueueSum["run"]-base.QueueSum["run"])/d)
	}
	row("peak RSS (VmHWM)", "%s (VmRSS now %s)", mib(pk.hwm), mib(rssNow))
	row("peak process_resident_memory_bytes", "%s (sampled 1/s)", mib(pk.rss))
	row("peak go_memstats_heap_inuse_bytes", "%s (sampled 1/s; now %s)", mib(pk.heapInuse), mib(atIdle.HeapInuse))
	row("Runs by phase", "%s", strings.Join(phases, " "))
	row("Runs Ready=True", "%d/%d", final.readyTrue, final.runs)
	row("children", "%d ConfigMaps, %d Jobs, %d CronJobs", final.cms, final.jobs, final.cronJobs)
	if *logErrors != "" {
		row("operator log error lines", "%d", benchutil.CountErrorLines(*logErrors))
	}
	if pk.scrapeErrs > 0 {
		row("metrics scrape errors", "%d", pk.scrapeErrs)
	}
	w.Flush()
	fmt.Println("converged: every child exists, every status has observedGeneration == generation and a Ready condition.")
	fmt.Println("settled: also every one-off Job finished and its Run's phase says so. Writes: rest_client_requests_total, POST+PUT+PATCH+DELETE.")
	return errorsJoin(convErr, setErr)
}

func errorsJoin(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// countEvents counts the Events the operator reported in the namespace.
func countEvents(ctx context.Context, c client.Client) (int, int32) {
	l := &eventsv1.EventList{}
	if err := c.List(ctx, l, client.InNamespace(*namespace)); err != nil {
		return -1, 0
	}
	n, series := 0, int32(0)
	for _, e := range l.Items {
		if e.ReportingController == "weir-runs" || strings.HasPrefix(e.ReportingController, "weir") {
			n++
			if e.Series != nil {
				series += e.Series.Count
			}
		}
	}
	return n, series
}
