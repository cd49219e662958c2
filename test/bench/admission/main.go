// Command admission measures what Weir's admission webhooks add to a write:
// against a cluster where `weir manager` runs with its webhooks installed,
// it creates N Runs one by one per phase, timing each Create through the
// real API server, in phases with the webhooks on and phases with them off
// (the webhook configurations saved and deleted, then restored). Rounds
// alternate the order, on off, off on, on off, ..., so that a drift of the
// shared machine's load weighs on both alike and the configurations change
// only between rounds of different order. It prints the pooled median,
// p90 and p99 of both states and their ratios (on/off), the ratios of each
// round and their median, and where the webhooks' time goes in the on
// phases. It is the last phase of hack/bench-scale.sh.
//
//	go run ./test/bench/admission -n 200 -rounds 3 -namespace bench-admission
//
// The Runs are ones the default policies admit with no warning: a
// schedule ("0 3 * * *": a CronJob, no pod during the measurement), a
// deadline, the password as ${PG_PASSWORD} from a Secret by env
// secretKeyRef, and no resources, so the mutating webhook adds the default
// requests (a patch: the full path). The Secret exists (the program creates
// it), so the webhook's existence check finds it and warns of nothing, as
// for a user whose Runs name their Secrets. spec.teardownOnDelete is false, so
// deleting them runs no teardown Job. Before each phase a few unmeasured
// creates warm up the connections (client to API server, API server to
// webhook). The Runs are deleted at the end (propagation Background), and
// the webhook configurations are restored whatever happens, Ctrl-C
// included.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/go-logr/logr"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/config"
	"sigs.k8s.io/controller-runtime/pkg/log"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/manager"
)

var (
	n          = flag.Int("n", 200, "Runs created per phase")
	rounds     = flag.Int("rounds", 3, "rounds of one phase with the webhooks on and one with them off, the order alternating (on off, off on, ...)")
	warmup     = flag.Int("warmup", 10, "unmeasured creates before each phase")
	namespace  = flag.String("namespace", "bench-admission", "namespace of the Runs (created if missing; must be one the webhooks select)")
	validating = flag.String("validating-webhook-configuration", "weir-validating", "Weir's ValidatingWebhookConfiguration")
	mutating   = flag.String("mutating-webhook-configuration", "weir-mutating", "Weir's MutatingWebhookConfiguration")
	metricsURL = flag.String("metrics", "", "Weir's Prometheus endpoint, for the breakdown of the webhooks' time (empty: the API server's side only)")
	wait       = flag.Duration("wait", time.Minute, "how long to wait for the API server to see the webhooks on or off, and for the Runs to be gone")
)

// benchLabel marks the Runs this program created, for the cleanup.
const benchLabel = "bench.weir.dev/admission"

func main() {
	flag.Parse()
	log.SetLogger(logr.Discard()) // the client's own log lines are not the report
	if *n < 1 || *rounds < 1 {
		fmt.Fprintln(os.Stderr, "admission: -n and -rounds must be at least 1")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop() // before os.Exit, which runs no deferred call
	if err != nil {
		fmt.Fprintln(os.Stderr, "admission:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) (err error) {
	cfg, err := config.GetConfig() // $KUBECONFIG; no client-side rate limit
	if err != nil {
		return err
	}
	c, err := client.New(cfg, client.Options{Scheme: manager.Scheme()})
	if err != nil {
		return err
	}
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: *namespace}}); client.IgnoreAlreadyExists(err) != nil {
		return err
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "pg", Namespace: *namespace, Labels: map[string]string{benchLabel: "secret"}},
		StringData: map[string]string{"password": "not-a-real-one"}}
	if err := c.Create(ctx, secret); client.IgnoreAlreadyExists(err) != nil {
		return fmt.Errorf("the Runs' Secret %s/pg: %w", *namespace, err)
	}

	// Whatever happens from here, the Runs go and the webhooks come back.
	defer func() {
		// A fresh context: ctx may be the one Ctrl-C cancelled.
		cctx, cancel := context.WithTimeout(context.Background(), *wait+30*time.Second)
		defer cancel()
		if cerr := cleanup(cctx, c); cerr != nil {
			err = errors.Join(err, fmt.Errorf("cleanup: %w", cerr))
		}
	}()

	fmt.Fprintf(os.Stderr, "waiting until the API server calls Weir's webhooks\n")
	if err := waitWebhooks(ctx, c, true); err != nil {
		return fmt.Errorf("webhooks on: %w (is Weir running with its webhook configurations installed?)", err)
	}
	sw := &switcher{c: c, on: true}
	defer func() { err = errors.Join(err, sw.restore()) }()

	var res results
	var pool pooled
	for r := range *rounds {
		order := []bool{true, false}
		if r%2 == 1 {
			order = []bool{false, true}
		}
		var lat [2][]time.Duration // off, on
		for _, on := range order {
			if err := sw.set(ctx, on); err != nil {
				return err
			}
			start, end := func() {}, func() {}
			var before, after snapshot
			if on {
				start = func() {
					var errs []error
					before, errs = takeSnapshot(ctx, cfg, *metricsURL)
					warnErrs(errs)
				}
				end = func() {
					var errs []error
					after, errs = takeSnapshot(ctx, cfg, *metricsURL)
					warnErrs(errs)
				}
			}
			l, err := phase(ctx, c, fmt.Sprintf("%s-r%d", state(on), r+1), on, start, end)
			if err != nil {
				return err
			}
			if on {
				pool.add(before, after)
				lat[1] = l
			} else {
				lat[0] = l
			}
		}
		res.add(r+1, order[0], lat[1], lat[0])
	}
	if err := sw.restore(); err != nil {
		return err
	}

	report(res)
	before, after := pool.snapshots()
	reportBreakdown(os.Stdout, len(res.on), before, after)
	return nil
}

func state(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// switcher turns the webhooks off (configurations saved, then deleted) and
// on again (restored), waiting each time until the API server agrees.
type switcher struct {
	c     client.Client
	on    bool
	saved *savedConfigs
}

func (s *switcher) set(ctx context.Context, on bool) error {
	if on == s.on {
		return nil
	}
	if on {
		return s.restore()
	}
	if s.saved == nil {
		saved, err := saveConfigs(ctx, s.c)
		if err != nil {
			return err
		}
		s.saved = &saved
	}
	fmt.Fprintf(os.Stderr, "deleting %s and %s (saved; restored afterwards)\n", *validating, *mutating)
	s.on = false // from here on, restore puts them back
	if err := deleteConfigs(ctx, s.c); err != nil {
		return err
	}
	if err := waitWebhooks(ctx, s.c, false); err != nil {
		return fmt.Errorf("webhooks off: %w", err)
	}
	return nil
}

// restore puts the configurations back if they are off; with a fresh
// context, as it also runs after Ctrl-C.
func (s *switcher) restore() error {
	if s.on {
		return nil
	}
	fmt.Fprintf(os.Stderr, "restoring %s and %s\n", *validating, *mutating)
	rctx, cancel := context.WithTimeout(context.Background(), *wait+30*time.Second)
	defer cancel()
	if err := restoreConfigs(rctx, s.c, *s.saved); err != nil {
		return err
	}
	if err := waitWebhooks(rctx, s.c, true); err != nil {
		return fmt.Errorf("webhooks on again: %w", err)
	}
	s.on = true
	return nil
}

// newRun is Run i of a phase: admitted by the default policies with no
// warning; the mutating webhook adds the default resource requests.
func newRun(phase string, i int) *runsv1.Run {
	deadline, teardown := int64(3600), false
	return &runsv1.Run{
		ObjectMeta: metav1.ObjectMeta{
			Name:      fmt.Sprintf("adm-%s-%04d", phase, i),
			Namespace: *namespace,
			Labels:    map[string]string{benchLabel: phase},
		},
		Spec: runsv1.RunSpec{
			Schedule:              "0 3 * * *",
			ActiveDeadlineSeconds: &deadline,
			TeardownOnDelete:      &teardown,
			Env: []corev1.EnvVar{{Name: "PG_PASSWORD", ValueFrom: &corev1.EnvVarSource{
				SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "pg"}, Key: "password"}}}},
			Runs: []runtime.RawExtension{{Raw: fmt.Appendf(nil,
				`{"postgresql":{"host":"db-%d.example.com","port":5432,"database":"production","user":"readonly","password":"${PG_PASSWORD}"}}`, i)}},
		},
	}
}

// phase creates the warm-up Runs, then N Runs one by one, and returns the
// latency of each measured Create; start and end run just before the
// first measured create and just after the last. on says whether the
// webhooks are meant to be on, which the first Run checks.
func phase(ctx context.Context, c client.Client, name string, on bool, start, end func()) ([]time.Duration, error) {
	for i := range *warmup {
		if err := c.Create(ctx, newRun(name+"-warm", i)); client.IgnoreAlreadyExists(err) != nil {
			return nil, fmt.Errorf("webhooks %s: warm-up create: %w", name, err)
		}
	}
	fmt.Fprintf(os.Stderr, "webhooks %s: creating %d Runs one by one in %s\n", name, *n, *namespace)
	lat := make([]time.Duration, 0, *n)
	start()
	defer end()
	for i := range *n {
		r := newRun(name, i)
		t := time.Now()
		err := c.Create(ctx, r)
		d := time.Since(t)
		if err != nil {
			return nil, fmt.Errorf("webhooks %s: create %s: %w", name, r.Name, err)
		}
		// The first measured Run says whether the mutating webhook ran.
		if i == 0 && (len(r.Spec.Resources.Requests) > 0) != on {
			return nil, fmt.Errorf("webhooks %s: %s came back with resources %v: the mutating webhook is not in the state this phase needs",
				name, r.Name, r.Spec.Resources.Requests)
		}
		lat = append(lat, d)
	}
	return lat, nil
}

// waitWebhooks waits until the API server calls both webhooks (on) or
// neither (off), as dry-run creates show: a literal password is denied by
// the validating webhook, and a Run without resources gets them from the
// mutating one. The API server sees configuration changes a moment after
// they are written.
func waitWebhooks(ctx context.Context, c client.Client, on bool) error {
	deadline := time.Now().Add(*wait)
	var last string
	for {
		v, m, err := probe(ctx, c)
		if err == nil && v == on && m == on {
			return nil
		}
		last = fmt.Sprintf("validating=%v mutating=%v err=%v", v, m, err)
		if time.Now().After(deadline) {
			return fmt.Errorf("after %v: %s", *wait, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func probe(ctx context.Context, c client.Client) (validating, mutating bool, err error) {
	bad := newRun("probe", 0)
	bad.Spec.Env = nil
	bad.Spec.Runs[0].Raw = []byte(`{"postgresql":{"host":"db.example.com","user":"readonly","password":"hunter2"}}`)
	switch err := c.Create(ctx, bad, client.DryRunAll); {
	case err == nil:
	case apierrors.IsForbidden(err) && strings.Contains(err.Error(), "runs.literal-secret"):
		validating = true
	default:
		return false, false, err
	}
	good := newRun("probe", 0)
	if err := c.Create(ctx, good, client.DryRunAll); err != nil {
		return validating, false, err
	}
	return validating, len(good.Spec.Resources.Requests) > 0, nil
}

type savedConfigs struct {
	validating *admissionregistrationv1.ValidatingWebhookConfiguration
	mutating   *admissionregistrationv1.MutatingWebhookConfiguration
}

func saveConfigs(ctx context.Context, c client.Client) (savedConfigs, error) {
	s := savedConfigs{
		validating: &admissionregistrationv1.ValidatingWebhookConfiguration{},
		mutating:   &admissionregistrationv1.MutatingWebhookConfiguration{},
	}
	if err := c.Get(ctx, client.ObjectKey{Name: *validating}, s.validating); err != nil {
		return s, fmt.Errorf("saving %s: %w", *validating, err)
	}
	if err := c.Get(ctx, client.ObjectKey{Name: *mutating}, s.mutating); err != nil {
		return s, fmt.Errorf("saving %s: %w", *mutating, err)
	}
	return s, nil
}

func deleteConfigs(ctx context.Context, c client.Client) error {
	return errors.Join(
		client.IgnoreNotFound(c.Delete(ctx, &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: *validating}})),
		client.IgnoreNotFound(c.Delete(ctx, &admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: *mutating}})),
	)
}

// restoreConfigs creates the saved configurations again, CA bundle
// included, as they were before the benchmark.
func restoreConfigs(ctx context.Context, c client.Client, s savedConfigs) error {
	fresh := func(o client.Object) client.Object {
		o.SetResourceVersion("")
		o.SetUID("")
		o.SetCreationTimestamp(metav1.Time{})
		o.SetManagedFields(nil)
		o.SetGeneration(0)
		return o
	}
	var errs []error
	for _, o := range []client.Object{s.validating.DeepCopy(), s.mutating.DeepCopy()} {
		if err := c.Create(ctx, fresh(o)); client.IgnoreAlreadyExists(err) != nil {
			errs = append(errs, fmt.Errorf("restoring %s: %w", o.GetName(), err))
		}
	}
	return errors.Join(errs...)
}

// cleanup deletes every Run this program created and waits until they are
// gone (the operator removes its finalizer; teardownOnDelete is false).
func cleanup(ctx context.Context, c client.Client) error {
	sel := client.HasLabels{benchLabel}
	count := func() (int, error) {
		l := &metav1.PartialObjectMetadataList{}
		l.SetGroupVersionKind(runsv1.GroupVersion.WithKind("RunList"))
		err := c.List(ctx, l, client.InNamespace(*namespace), sel)
		return len(l.Items), err
	}
	created, err := count()
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "deleting the %d Runs the benchmark created\n", created)
	if err := c.DeleteAllOf(ctx, &runsv1.Run{}, client.InNamespace(*namespace), sel,
		client.PropagationPolicy(metav1.DeletePropagationBackground)); err != nil {
		return err
	}
	start := time.Now()
	for {
		left, err := count()
		if err != nil {
			return err
		}
		if left == 0 {
			fmt.Fprintf(os.Stderr, "deleted %d Runs in %.1fs\n", created, time.Since(start).Seconds())
			return nil
		}
		if time.Since(start) > *wait {
			return fmt.Errorf("%d Runs still there after %v (is the operator running to remove its finalizer?)", left, *wait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// stats are nearest-rank percentiles of one phase.
type stats struct{ p50, p90, p99, mean, min, max time.Duration }

func summarize(d []time.Duration) stats {
	s := slices.Clone(d)
	slices.Sort(s)
	rank := func(p float64) time.Duration { return s[max(0, int(math.Ceil(p*float64(len(s))))-1)] }
	var sum time.Duration
	for _, v := range s {
		sum += v
	}
	return stats{p50: rank(0.50), p90: rank(0.90), p99: rank(0.99), mean: sum / time.Duration(len(s)), min: s[0], max: s[len(s)-1]}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func report(res results) {
	on, off := summarize(res.on), summarize(res.off)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Printf("Weir admission latency: %d sequential Run CREATEs per phase through the API server, %d round(s) of one phase on and one off, namespace %s, %s\n",
		*n, len(res.rounds), *namespace, time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintln(w, "pooled\tmedian\tp90\tp99\tmean\tmin\tmax\t")
	for _, r := range []struct {
		name string
		s    stats
	}{{fmt.Sprintf("webhooks on (%d)", len(res.on)), on}, {fmt.Sprintf("webhooks off (%d)", len(res.off)), off}} {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.name, ms(r.s.p50), ms(r.s.p90), ms(r.s.p99), ms(r.s.mean), ms(r.s.min), ms(r.s.max))
	}
	w.Flush()
	fmt.Printf("ratio of medians (on/off): %.2f; added by the webhooks at the median: %s\n",
		float64(on.p50)/float64(off.p50), ms(on.p50-off.p50))
	fmt.Printf("ratio of p99s (on/off): %.2f; added by the webhooks at p99: %s\n",
		float64(on.p99)/float64(off.p99), ms(on.p99-off.p99))
	res.reportRounds(os.Stdout)
	fmt.Println("on: validating + mutating (a JSON patch adds the default requests); off: both configurations deleted. " +
		"Runs: scheduled, deadline set, password by env secretKeyRef, teardownOnDelete false; " +
		fmt.Sprintf("%d unmeasured warm-up creates per phase; percentiles by nearest rank; pooled: all the rounds' creates of a state together.", *warmup))
	// For test/bench/table (make bench's summary): "<name> <value>" lines;
	// the first six are of the pooled samples.
	fmt.Printf("admission_on_p50_ms %.3f\n", seconds(on.p50)*1000)
	fmt.Printf("admission_on_p99_ms %.3f\n", seconds(on.p99)*1000)
	fmt.Printf("admission_off_p50_ms %.3f\n", seconds(off.p50)*1000)
	fmt.Printf("admission_off_p99_ms %.3f\n", seconds(off.p99)*1000)
	fmt.Printf("admission_p50_ratio %.3f\n", float64(on.p50)/float64(off.p50))
	fmt.Printf("admission_p99_ratio %.3f\n", float64(on.p99)/float64(off.p99))
	res.machineLines(os.Stdout)
}

func seconds(d time.Duration) float64 { return d.Seconds() }
