package main

// The breakdown of what the webhooks add to a create, from the two sides'
// own metrics, read before and after the measured creates of the "on"
// phase:
//
//	API server  apiserver_admission_webhook_admission_duration_seconds and
//	            apiserver_admission_webhook_request_total (CREATE only, by
//	            webhook): calls per create and the time of each call, as the
//	            API server sees it (its encoding of the review, TLS, the
//	            connection, the webhook, its decoding of the answer).
//	Weir        controller_runtime_webhook_latency_seconds (by path: the
//	            whole HTTP handler, review decoded and answer encoded),
//	            weir_admission_request_duration_seconds (CREATE: Weir's
//	            handler) and weir_webhook_phase_seconds (CREATE: its phases).
//
// What is left between the API server's time and controller-runtime's is
// the transport and the API server's own (de)serialization of the review.
// The operator's reconciles write to the Runs too (UPDATEs, which call the
// webhooks): the API server's and Weir's handler figures are for CREATE
// only; controller-runtime's have no operation label and count both.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/client-go/rest"

	"github.com/weir-dev/weir/webhooks"
)

// sample is one series of a scrape; histograms as <name>_sum and <name>_count.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

type scrape []sample

// parseMetrics reads the Prometheus text format.
func parseMetrics(r io.Reader) (scrape, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, err
	}
	var out scrape
	for name, f := range families {
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			add := func(n string, v float64) { out = append(out, sample{n, labels, v}) }
			switch {
			case m.Counter != nil:
				add(name, m.GetCounter().GetValue())
			case m.Gauge != nil:
				add(name, m.GetGauge().GetValue())
			case m.Histogram != nil:
				add(name+"_sum", m.GetHistogram().GetSampleSum())
				add(name+"_count", float64(m.GetHistogram().GetSampleCount()))
			}
		}
	}
	return out, nil
}

// sum adds up the series of name whose labels include want.
func (s scrape) sum(name string, want map[string]string) float64 {
	t := 0.0
outer:
	for _, x := range s {
		if x.name != name {
			continue
		}
		for k, v := range want {
			if x.labels[k] != v {
				continue outer
			}
		}
		t += x.value
	}
	return t
}

// values lists the values label takes in the series of name.
func (s scrape) values(name, label string, want map[string]string) []string {
	seen := map[string]bool{}
	for _, x := range s {
		if x.name == name && x.labels[label] != "" && s.match(x, want) {
			seen[x.labels[label]] = true
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func (scrape) match(x sample, want map[string]string) bool {
	for k, v := range want {
		if x.labels[k] != v {
			return false
		}
	}
	return true
}

// snapshot is both sides' metrics at one moment; a side that cannot be
// read is nil, and its part of the breakdown says so.
type snapshot struct{ apiserver, weir scrape }

func takeSnapshot(ctx context.Context, cfg *rest.Config, weirURL string) (snapshot, []error) {
	var s snapshot
	var errs []error
	var err error
	if s.apiserver, err = scrapeAPIServer(ctx, cfg); err != nil {
		errs = append(errs, fmt.Errorf("API server /metrics: %w", err))
	}
	if weirURL != "" {
		if s.weir, err = scrapeURL(ctx, http.DefaultClient, weirURL); err != nil {
			errs = append(errs, fmt.Errorf("the operator's metrics (-metrics): %w", err))
		}
	}
	return s, errs
}

// scrapeAPIServer is `kubectl get --raw /metrics` with the client's
// credentials.
func scrapeAPIServer(ctx context.Context, cfg *rest.Config) (scrape, error) {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	return scrapeURL(ctx, hc, strings.TrimSuffix(cfg.Host, "/")+"/metrics")
}

func scrapeURL(ctx context.Context, hc *http.Client, url string) (scrape, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("%s: %s", resp.Status, b)
	}
	return parseMetrics(resp.Body)
}

// delta is after − before of one series sum.
func delta(before, after scrape, name string, want map[string]string) float64 {
	return after.sum(name, want) - before.sum(name, want)
}

func msOf(seconds float64) string { return fmt.Sprintf("%.3f ms", seconds*1000) }

// mean is sum/count of a histogram's delta, in seconds (0 without samples).
func mean(before, after scrape, hist string, want map[string]string) float64 {
	n := delta(before, after, hist+"_count", want)
	if n <= 0 {
		return 0
	}
	return delta(before, after, hist+"_sum", want) / n
}

// reportBreakdown prints the per-create breakdown of the "on" phases
// (their creates pooled).
func reportBreakdown(w io.Writer, creates int, before, after snapshot) {
	fmt.Fprintf(w, "\nWhere the webhooks' time goes (webhooks on, %d measured creates pooled over the on phases; means per call from both sides' metrics):\n", creates)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	defer tw.Flush()
	if before.apiserver == nil || after.apiserver == nil {
		fmt.Fprintln(tw, "  API server metrics: not read")
		return
	}
	a0, a1 := before.apiserver, after.apiserver
	fmt.Fprintln(tw, "webhook\tcalls/create\tAPI server\tcontroller-runtime\tWeir handler\ttransport+review\t")
	var total float64
	for _, name := range []string{webhooks.NameMutateRuns, webhooks.NameValidateRuns} {
		create := map[string]string{"name": name, "operation": "CREATE"}
		calls := delta(a0, a1, "apiserver_admission_webhook_request_total", create)
		api := mean(a0, a1, "apiserver_admission_webhook_admission_duration_seconds", create)
		total += api * calls / float64(creates)
		row := []string{name, fmt.Sprintf("%.2f", calls/float64(creates)), msOf(api), "not read", "not read", ""}
		if before.weir != nil && after.weir != nil {
			path := pathOf(name)
			cr := mean(before.weir, after.weir, "controller_runtime_webhook_latency_seconds", map[string]string{"webhook": path})
			h := mean(before.weir, after.weir, "weir_admission_request_duration_seconds", map[string]string{"webhook": name, "operation": "CREATE"})
			row[3], row[4], row[5] = msOf(cr), msOf(h), msOf(api-h)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	fmt.Fprintf(tw, "webhook calls per create, as the API server times them\t\t%s\t\t\t\t\n", msOf(total))
	if before.weir == nil || after.weir == nil {
		fmt.Fprintln(tw, "Weir's phases: not read (no -metrics)\t\t\t\t\t\t")
		return
	}
	w0, w1 := before.weir, after.weir
	fmt.Fprintln(tw, "Weir's phases (CREATE, mean per request)\tdecode\trelated\tevaluate\twait\tencode\taccess (alongside)\treferences (alongside)\t")
	for _, name := range []string{webhooks.NameMutateRuns, webhooks.NameValidateRuns} {
		requests := delta(w0, w1, "weir_admission_request_duration_seconds_count", map[string]string{"webhook": name, "operation": "CREATE"})
		row := []string{name}
		for _, p := range []string{"decode", "related", "evaluate", "wait", "encode", "access", "references"} {
			s := delta(w0, w1, "weir_webhook_phase_seconds_sum", map[string]string{"webhook": name, "operation": "CREATE", "phase": p})
			if requests <= 0 {
				row = append(row, "-")
				continue
			}
			row = append(row, msOf(s/requests))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	// The webhook's own calls to the API server during the phase (all of
	// the operator's requests: reconciles included), by verb.
	for _, verb := range w1.values("rest_client_requests_total", "method", nil) {
		if d := delta(w0, w1, "rest_client_requests_total", map[string]string{"method": verb}); d > 0 {
			fmt.Fprintf(tw, "operator API requests %s per create\t%.2f\t\t\t\t\t\t\n", verb, d/float64(creates))
		}
	}
}

func pathOf(name string) string {
	for _, h := range webhooks.Table {
		if h.Name == name {
			return h.Path
		}
	}
	return ""
}

func warnErrs(errs []error) {
	for _, err := range errs {
		fmt.Fprintln(os.Stderr, "admission: breakdown:", err)
	}
}

// diff is after − before, series by series (a series only in after counts
// from 0); nil when either scrape is.
func diff(before, after scrape) scrape {
	if before == nil || after == nil {
		return nil
	}
	key := func(x sample) string {
		ks := make([]string, 0, len(x.labels))
		for k, v := range x.labels {
			ks = append(ks, k+"="+v)
		}
		sort.Strings(ks)
		return x.name + "{" + strings.Join(ks, ",") + "}"
	}
	was := make(map[string]float64, len(before))
	for _, x := range before {
		was[key(x)] += x.value
	}
	out := make(scrape, 0, len(after))
	for _, x := range after {
		out = append(out, sample{x.name, x.labels, x.value - was[key(x)]})
	}
	return out
}

// pooled adds up the deltas of several "on" phases, so that the breakdown
// covers all of their creates and none of the probes and toggles between
// them. reportBreakdown reads it as after, with an empty before.
type pooled struct {
	phases int
	sum    snapshot
}

func (p *pooled) add(before, after snapshot) {
	a, w := diff(before.apiserver, after.apiserver), diff(before.weir, after.weir)
	if p.phases == 0 {
		p.sum = snapshot{apiserver: a, weir: w}
	} else {
		// A side not read in one phase is not read for the pool.
		p.sum.apiserver = appendIf(p.sum.apiserver, a)
		p.sum.weir = appendIf(p.sum.weir, w)
	}
	p.phases++
}

func appendIf(pool, d scrape) scrape {
	if pool == nil || d == nil {
		return nil
	}
	return append(pool, d...)
}

// snapshots is the pool as reportBreakdown's before and after.
func (p *pooled) snapshots() (before, after snapshot) {
	before = snapshot{}
	if p.sum.apiserver != nil {
		before.apiserver = scrape{}
	}
	if p.sum.weir != nil {
		before.weir = scrape{}
	}
	return before, p.sum
}
