// Command plugins is the plugin half of `make bench`: on a PostgreSQL
// database of 2,000 tables of 20 columns (test/postgres SeedWide, on a
// throwaway server), it measures
//
//   - the PostgreSQL source built as wasm (the module embedded in weir,
//     plugins/builtin, run by plugins/host) against the same code built
//     natively (postgresql.Discover with a net.Dialer): discovery time,
//     process wall time and peak RSS, and their ratios, medians of -runs
//     fresh processes each;
//   - the same for the MySQL source (a MariaDB from test/mysql with its
//     fixture and a database of -mysql-tables x -mysql-columns, chained by
//     foreign keys) and the S3 source (gofakes3 on loopback, -s3-buckets
//     buckets holding -s3-objects objects); one summary line per source;
//   - the start of that module: host.Load with an empty compilation cache
//     (a full compile) against a warm one, each in a fresh process, and
//     the same seen from the command line, `weir ingest --dry-run` with an
//     empty and a warm WEIR_PLUGIN_CACHE;
//   - assets per second into the sink: the sink side of `weir ingest`
//     alone (the discovered items replayed from memory into a fake Marmot,
//     plugins/sink/marmottest, that checks the contract, over loopback
//     HTTP), and whole `weir ingest` runs into the fake, with the
//     precompiled built-ins (WEIR_BUILTIN_CACHE, as the image) and
//     without, with their peak RSS;
//   - the time from process start to the module instantiated.
//
// Lines of the form "<name> <value>" at the end are for machines
// (instantiate_ms_cached, ingest_rss_mib_peak, ingest_assets_per_s, ...).
//
// Every variant runs as its own process (this program re-executed with
// -mode, or bin/weir), so peak memory is the child's rusage maxrss
// (VmHWM) and a "cached" start really is a new process reading the cache
// directory. Figures are reported, never asserted.
//
//	go build -o bin/bench-plugins ./test/bench/plugins && bin/bench-plugins -weir bin/weir
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/weir-dev/weir/plugins/builtin"
	"github.com/weir-dev/weir/plugins/host"
	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/sink/marmottest"
	"github.com/weir-dev/weir/plugins/sources/mysql"
	"github.com/weir-dev/weir/plugins/sources/postgresql"
	"github.com/weir-dev/weir/plugins/sources/s3"
	"github.com/weir-dev/weir/test/postgres"
)

var (
	mode     = flag.String("mode", "", "internal: run one variant (wasm, native, load) and print its figures as JSON")
	source   = flag.String("source", "postgresql", "internal: the source -mode runs (postgresql, mysql, s3)")
	cacheDir = flag.String("cache", "", "internal: the compilation cache directory of -mode wasm and load")
	only     = flag.String("only", "postgresql,mysql,s3", "the sources to measure, comma-separated")
	runs     = flag.Int("runs", 3, "fresh processes per discovery variant (wasm, native); medians are reported")
	myTables = flag.Int("mysql-tables", 500, "tables in the MySQL benchmark database")
	myCols   = flag.Int("mysql-columns", 20, "columns per MySQL table")
	buckets  = flag.Int("s3-buckets", 20, "buckets in the S3 store")
	objects  = flag.Int("s3-objects", 10000, "objects in the S3 store, spread over the buckets")
	weir     = flag.String("weir", "bin/weir", "the weir binary for the `weir ingest` runs")
	tables   = flag.Int("tables", 2000, "tables in the benchmark database")
	columns  = flag.Int("columns", 20, "columns per table")
	cold     = flag.Int("cold", 2, "fresh processes loading the module with an empty cache")
	cached   = flag.Int("cached", 5, "fresh processes loading the module with a warm cache")
	ingests  = flag.Int("ingests", 3, "`weir ingest` runs into the fake Marmot with the precompiled built-ins (one more without)")
	sinkRps  = flag.Int("sink-runs", 5, "runs of the sink alone (items from memory into the fake Marmot); the median is reported")
)

// t0Env carries the time the parent started a child, so the child can
// tell how long it took from exec to the module instantiated.
const t0Env = "WEIR_BENCH_T0"

// configEnv carries the source's config (with the password) to the
// children, rather than their command line.
const configEnv = "WEIR_BENCH_SOURCE_CONFIG"

// figures is what a child reports.
type figures struct {
	Load     time.Duration `json:"load"`     // host.Load (compile or read the cache, instantiate, describe)
	Start    time.Duration `json:"start"`    // from the parent's exec of this process to Load done
	Discover time.Duration `json:"discover"` // one Discover, start to end
	Items    int           `json:"items"`
	Assets   int           `json:"assets"`
}

func main() {
	flag.Parse()
	var err error
	if *mode != "" {
		err = child(*mode)
	} else {
		err = run()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-plugins:", err)
		os.Exit(1)
	}
}

// child runs one variant in this process and prints its figures.
func child(mode string) error {
	ctx := context.Background()
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	raw := json.RawMessage(os.Getenv(configEnv))
	var f figures
	count := func(items []model.Item) error {
		f.Items += len(items)
		for _, it := range items {
			if it.Asset != nil {
				f.Assets++
			}
		}
		return nil
	}
	switch mode {
	case "native":
		discover, err := native(*source, raw)
		if err != nil {
			return err
		}
		start := time.Now()
		if err := discover(ctx, count); err != nil {
			return err
		}
		f.Discover = time.Since(start)
	case "wasm", "load":
		if _, ok := builtin.Module(*source); !ok {
			return fmt.Errorf("no %s module in this binary: run make plugins", *source)
		}
		opts := host.Options{CacheDir: *cacheDir, Network: host.NetworkPolicy{AllowLoopback: true}}
		start := time.Now()
		m, err := builtin.Load(ctx, *source, opts) // trusted, as `weir ingest` runs it
		if err != nil {
			return err
		}
		f.Load = time.Since(start)
		if t0, err := time.Parse(time.RFC3339Nano, os.Getenv(t0Env)); err == nil {
			f.Start = time.Since(t0)
		}
		defer m.Close(ctx)
		if mode == "wasm" {
			start = time.Now()
			if err := m.Discover(ctx, raw, count); err != nil {
				return err
			}
			f.Discover = time.Since(start)
		}
	case "sink":
		sf, err := sinkRuns(ctx, raw, max(*sinkRps, 1))
		if err != nil {
			return err
		}
		return json.NewEncoder(os.Stdout).Encode(sf)
	default:
		return fmt.Errorf("unknown -mode %q", mode)
	}
	return json.NewEncoder(os.Stdout).Encode(f)
}

// native is the native build of source's discovery for config raw, with
// the dialer each source uses outside the sandbox.
func native(source string, raw json.RawMessage) (func(context.Context, func([]model.Item) error) error, error) {
	switch source {
	case "postgresql":
		cfg, err := postgresql.Validate(raw)
		var d net.Dialer
		return func(ctx context.Context, emit func([]model.Item) error) error {
			return postgresql.Discover(ctx, cfg, d.DialContext, emit)
		}, err
	case "mysql":
		cfg, err := mysql.Validate(raw)
		return func(ctx context.Context, emit func([]model.Item) error) error {
			return mysql.Discover(ctx, cfg, nil, emit)
		}, err
	case "s3":
		cfg, err := s3.Validate(raw)
		return func(ctx context.Context, emit func([]model.Item) error) error {
			return s3.Discover(ctx, cfg, nil, emit)
		}, err
	}
	return nil, fmt.Errorf("unknown -source %q", source)
}

// proc is a finished child process.
type proc struct {
	wall    time.Duration
	maxRSS  int64 // bytes
	figures figures
	stdout  []byte
}

// spawn runs name with args and env (added to this process's), and
// measures it.
func spawn(ctx context.Context, name string, args, env []string) (proc, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	cmd.Env = append(cmd.Env, t0Env+"="+start.Format(time.RFC3339Nano))
	err := cmd.Run()
	p := proc{wall: time.Since(start), stdout: out.Bytes()}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			p.maxRSS = ru.Maxrss * 1024 // KiB on Linux
			if runtime.GOOS == "darwin" {
				p.maxRSS = ru.Maxrss
			}
		}
	}
	if err != nil {
		return p, fmt.Errorf("%s %s: %w\n%s", filepath.Base(name), strings.Join(args, " "), err, tail(errb.String(), 2000))
	}
	return p, nil
}

// variant runs this program again in mode, for the PostgreSQL source.
func variant(ctx context.Context, mode, cache, config string) (proc, error) {
	return variantOf(ctx, "postgresql", mode, cache, config)
}

// variantOf runs this program again in mode for source.
func variantOf(ctx context.Context, source, mode, cache, config string) (proc, error) {
	self, err := os.Executable()
	if err != nil {
		return proc{}, err
	}
	p, err := spawn(ctx, self, []string{"-mode", mode, "-source", source, "-cache", cache}, append(childEnv(), configEnv+"="+config))
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(p.stdout, &p.figures); err != nil {
		return p, fmt.Errorf("-mode %s printed %q: %w", mode, p.stdout, err)
	}
	return p, nil
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	weirBin, err := filepath.Abs(*weir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(weirBin); err != nil {
		return fmt.Errorf("no weir binary at %s: run make build", *weir)
	}
	tmp, err := os.MkdirTemp("", "weir-bench-plugins-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	var lines []summary
	for _, src := range strings.Split(*only, ",") {
		var sum summary
		switch strings.TrimSpace(src) {
		case "postgresql":
			sum, err = benchPostgres(ctx, w, tmp, weirBin)
		case "mysql":
			sum, err = benchMySQL(ctx, tmp)
		case "s3":
			sum, err = benchS3(ctx, tmp)
		default:
			err = fmt.Errorf("-only: unknown source %q (postgresql, mysql, s3)", src)
		}
		if err != nil {
			return err
		}
		lines = append(lines, sum)
	}
	printSummary(w, lines)
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Println()
	for _, l := range machineLines {
		fmt.Println(l)
	}
	return nil
}

// benchPostgres measures the PostgreSQL source: module start, discovery
// and `weir ingest`, and returns its discovery summary.
func benchPostgres(ctx context.Context, w io.Writer, tmp, weirBin string) (summary, error) {
	logf("starting PostgreSQL")
	var sum summary
	pg, err := postgres.New(postgres.Options{})
	if err != nil {
		return sum, err
	}
	defer pg.Close()
	logf("seeding %d tables x %d columns", *tables, *columns)
	start := time.Now()
	if err := pg.SeedWide(ctx, "bench", *tables, *columns); err != nil {
		return sum, err
	}
	seeded := time.Since(start)
	cfgJSON, _ := json.Marshal(map[string]any{"host": pg.Host, "port": pg.Port, "user": pg.Superuser, "password": pg.Password})
	wantAssets := *tables + 2 // the tables and the databases postgres and bench

	fmt.Fprintf(w, "PostgreSQL source plugin: %d tables x %d columns (seeded in %v), PostgreSQL %d, %d cores, %s/%s, %s\n",
		*tables, *columns, round(seeded), pg.Version, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	wasmBytes, _ := builtin.Module("postgresql")
	fmt.Fprintf(w, "module: postgresql.wasm, %.1f MiB (embedded in weir)\n\n", float64(len(wasmBytes))/(1<<20))

	// Start-up: cold compiles, then cached starts, each a new process.
	warm := filepath.Join(tmp, "cache-warm")
	var coldLoads, coldWalls, warmLoads, warmWalls, coldStarts, warmStarts []time.Duration
	var coldRSS, warmRSS int64
	for i := 0; i < max(*cold, 1); i++ {
		dir := filepath.Join(tmp, fmt.Sprintf("cache-cold-%d", i))
		if i == 0 {
			dir = warm // the first cold compile fills the cache the rest use
		}
		logf("module start, empty cache (%d/%d)", i+1, max(*cold, 1))
		p, err := variant(ctx, "load", dir, "")
		if err != nil {
			return sum, err
		}
		coldLoads, coldWalls, coldRSS = append(coldLoads, p.figures.Load), append(coldWalls, p.wall), max(coldRSS, p.maxRSS)
		coldStarts = append(coldStarts, p.figures.Start)
	}
	for i := 0; i < *cached; i++ {
		logf("module start, warm cache (%d/%d)", i+1, *cached)
		p, err := variant(ctx, "load", warm, "")
		if err != nil {
			return sum, err
		}
		warmLoads, warmWalls, warmRSS = append(warmLoads, p.figures.Load), append(warmWalls, p.wall), max(warmRSS, p.maxRSS)
		warmStarts = append(warmStarts, p.figures.Start)
	}
	fmt.Fprintln(w, "Module start (host.Load: compile or read the cache, instantiate, describe), fresh processes\tmedian\truns\texec to instantiated (median)\tprocess wall (median)\tpeak RSS")
	fmt.Fprintf(w, "  empty cache: full compile\t%v\t%s\t%v\t%v\t%s\n", median(coldLoads), list(coldLoads), median(coldStarts), median(coldWalls), mib(coldRSS))
	machine("instantiate_ms_cold", ms(median(coldStarts)))
	if len(warmLoads) > 0 {
		fmt.Fprintf(w, "  warm cache directory\t%v\t%s\t%v\t%v\t%s\n", median(warmLoads), list(warmLoads), median(warmStarts), median(warmWalls), mib(warmRSS))
		machine("instantiate_ms_cached", ms(median(warmStarts)))
		machine("load_ms_cached", ms(median(warmLoads)))
		fmt.Fprintf(w, "  cold / cached\t%.1fx\t\t\t\n", ratio(median(coldLoads), median(warmLoads)))
	}

	// Discovery: wasm (warm cache) against native, -runs fresh processes
	// each.
	sum, err = compare(ctx, "postgresql", fmt.Sprintf("%d tables x %d columns", *tables, *columns), warm, string(cfgJSON), wantAssets)
	if err != nil {
		return sum, err
	}
	pw, pn := sum.wasm, sum.native
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Discovery (medians of %d fresh processes each)\tdiscover\truns\tprocess wall\tpeak RSS\titems\tassets/s\n", *runs)
	fmt.Fprintf(w, "  wasm (weir's module, warm cache; load %v)\t%v\t%s\t%v\t%s\t%d\t%.0f\n",
		pw.load, pw.discover, list(pw.discovers), pw.wall, mib(pw.maxRSS), pw.items, perSecond(pw.assets, pw.discover))
	fmt.Fprintf(w, "  native (postgresql.Discover, net.Dialer)\t%v\t%s\t%v\t%s\t%d\t%.0f\n",
		pn.discover, list(pn.discovers), pn.wall, mib(pn.maxRSS), pn.items, perSecond(pn.assets, pn.discover))
	fmt.Fprintf(w, "  wasm / native\t%.2fx\t\t%.2fx\t%.2fx\t\t\n",
		ratio(pw.discover, pn.discover), ratio(pw.wall, pn.wall), float64(pw.maxRSS)/float64(max(pn.maxRSS, 1)))

	// The command line: weir ingest --dry-run with an empty, then the same
	// cache; then a real run into a fake Marmot.
	pipeline := filepath.Join(tmp, "pipeline.yaml")
	if err := os.WriteFile(pipeline, []byte(fmt.Sprintf(`name: bench
runs:
  - postgresql:
      host: %q
      port: %d
      user: %s
      password: "${PG_PASSWORD}"
`, pg.Host, pg.Port, pg.Superuser)), 0o600); err != nil {
		return sum, err
	}
	ingestCache := filepath.Join(tmp, "cache-ingest")
	env := []string{"PG_PASSWORD=" + pg.Password, "WEIR_PLUGIN_ALLOW_LOOPBACK=true", "WEIR_PLUGIN_CACHE=" + ingestCache, "TMPDIR=" + tmp}
	var dry []proc
	for i, what := range []string{"empty cache", "warm cache"} {
		logf("weir ingest --dry-run, %s", what)
		p, err := spawn(ctx, weirBin, []string{"ingest", "-c", pipeline, "--dry-run"}, env)
		if err != nil {
			return sum, err
		}
		if lines := bytes.Count(p.stdout, []byte("\n")); lines < 3 {
			return sum, fmt.Errorf("weir ingest --dry-run #%d printed %d lines", i+1, lines)
		}
		dry = append(dry, p)
	}
	// Whole runs into a fake Marmot: with the precompiled built-ins, as
	// the image runs them (WEIR_BUILTIN_CACHE, a fresh WEIR_PLUGIN_CACHE
	// per run), then once without (an empty cache: the pod compiles).
	var ingestRuns []proc
	var batchBytes int
	for i := 0; i <= max(*ingests, 1); i++ {
		precompiled := i < max(*ingests, 1)
		what := "precompiled built-ins"
		runEnv := append(slices.Clone(env), fmt.Sprintf("WEIR_PLUGIN_CACHE=%s/cache-ingest-%d", tmp, i))
		if precompiled {
			runEnv = append(runEnv, "WEIR_BUILTIN_CACHE="+warm)
		} else {
			what = "no precompiled code"
		}
		logf("weir ingest into a fake Marmot, %s (%d/%d)", what, i+1, max(*ingests, 1)+1)
		p, n, err := ingestInto(ctx, weirBin, pipeline, runEnv, wantAssets)
		if err != nil {
			return sum, err
		}
		batchBytes = n
		ingestRuns = append(ingestRuns, p)
	}
	logf("the sink alone: discovered items from memory into a fake Marmot (%d runs)", *sinkRps)
	self, err := os.Executable()
	if err != nil {
		return sum, err
	}
	ps, err := spawn(ctx, self, []string{"-mode", "sink", "-sink-runs", fmt.Sprint(*sinkRps)}, append(childEnv(), configEnv+"="+string(cfgJSON)))
	if err != nil {
		return sum, err
	}
	var sf sinkFigures
	if err := json.Unmarshal(ps.stdout, &sf); err != nil {
		return sum, fmt.Errorf("-mode sink printed %q: %w", ps.stdout, err)
	}
	cachedRuns, coldRun := ingestRuns[:len(ingestRuns)-1], ingestRuns[len(ingestRuns)-1]
	var walls []time.Duration
	var peak int64
	for _, p := range cachedRuns {
		walls = append(walls, p.wall)
		peak = max(peak, p.maxRSS)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "weir ingest (bin/weir, fresh processes)\twall (median)\truns\tpeak RSS (largest)\tassets\tassets/s")
	fmt.Fprintf(w, "  --dry-run, empty WEIR_PLUGIN_CACHE\t%v\t\t%s\t\t\n", round(dry[0].wall), mib(dry[0].maxRSS))
	fmt.Fprintf(w, "  --dry-run, warm WEIR_PLUGIN_CACHE\t%v\t\t%s\t\t\n", round(dry[1].wall), mib(dry[1].maxRSS))
	fmt.Fprintf(w, "  into a fake Marmot, precompiled built-ins (one batch of %.1f MiB)\t%v\t%s\t%s\t%d\t%.0f\n",
		float64(batchBytes)/(1<<20), median(walls), list(walls), mib(peak), wantAssets, perSecond(wantAssets, median(walls)))
	fmt.Fprintf(w, "  into a fake Marmot, no precompiled code (compiles first)\t%v\t\t%s\t%d\t%.0f\n",
		round(coldRun.wall), mib(coldRun.maxRSS), wantAssets, perSecond(wantAssets, coldRun.wall))
	fmt.Fprintf(w, "  the sink alone: the items from memory into a fake Marmot, loopback HTTP\t%v\t%s\t%s\t%d\t%.0f\n",
		median(sf.Runs), list(sf.Runs), mib(ps.maxRSS), sf.Assets, perSecond(sf.Assets, median(sf.Runs)))
	fmt.Fprintf(w, "  the sink alone, per CPU-second of the process (client and fake; %v CPU for %d runs)\t\t\t\t%d\t%.0f\n",
		round(sf.CPU), len(sf.Runs), sf.Assets, perSecond(sf.Assets*len(sf.Runs), sf.CPU))
	machine("ingest_assets_per_s", fmt.Sprintf("%.0f", perSecond(sf.Assets, median(sf.Runs))))
	machine("ingest_assets_per_cpu_s", fmt.Sprintf("%.0f", perSecond(sf.Assets*len(sf.Runs), sf.CPU)))
	machine("ingest_e2e_assets_per_s", fmt.Sprintf("%.0f", perSecond(wantAssets, median(walls))))
	machine("ingest_rss_mib_peak", fmt.Sprintf("%.0f", float64(peak)/(1<<20)))
	machine("ingest_rss_mib_peak_uncached", fmt.Sprintf("%.0f", float64(coldRun.maxRSS)/(1<<20)))
	return sum, nil
}

// ingestInto runs `weir ingest` into a new fake Marmot and checks that
// it saw one completed run with one batch of wantAssets assets; it
// returns the process and the batch's size.
func ingestInto(ctx context.Context, weirBin, pipeline string, env []string, wantAssets int) (proc, int, error) {
	fake := marmottest.New(marmottest.Options{APIKey: "bench-key"})
	defer fake.Close()
	p, err := spawn(ctx, weirBin, []string{"ingest", "-c", pipeline},
		append(env, "MARMOT_HOST="+fake.URL, "MARMOT_API_KEY=bench-key"))
	if err != nil {
		return p, 0, err
	}
	runs := fake.Runs()
	if len(runs) != 1 || runs[0].Status != "completed" || runs[0].Batches != 1 || len(runs[0].Assets) != wantAssets {
		return p, 0, fmt.Errorf("the fake Marmot saw %+v, want one completed run with one batch of %d assets", runs, wantAssets)
	}
	if v := fake.Violations(); len(v) > 0 {
		return p, 0, fmt.Errorf("contract violations: %s", strings.Join(v, "; "))
	}
	var batchBytes int
	for _, r := range fake.Requests() {
		if strings.HasSuffix(r.Path, "/assets/batch") {
			batchBytes = len(r.Body)
		}
	}
	return p, batchBytes, nil
}

// machineLines are the "<name> <value>" lines printed last, for
// hack/bench's table.
var machineLines []string

func machine(name, value string) { machineLines = append(machineLines, name+" "+value) }

func ms(d time.Duration) string { return fmt.Sprintf("%.0f", float64(d)/float64(time.Millisecond)) }

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench-plugins: "+format+"\n", args...)
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Microsecond)
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return round(s[len(s)/2])
}

func list(ds []time.Duration) string {
	var out []string
	for _, d := range ds {
		out = append(out, round(d).String())
	}
	return strings.Join(out, " ")
}

func ratio(a, b time.Duration) float64 { return a.Seconds() / max(b.Seconds(), 1e-9) }

func perSecond(n int, d time.Duration) float64 { return float64(n) / max(d.Seconds(), 1e-9) }

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
