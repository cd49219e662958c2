package host

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weir-dev/weir/plugins/model"
)

// outcome is how a hostile module's Discover ended.
type outcome struct {
	err  error
	mrns []string      // of the assets it emitted
	took time.Duration // Discover alone, without Load
}

// hostile runs a Discover of a hostile module, which must fail. Every
// hostile test ends by checking that a good module still runs.
func hostile(t *testing.T, name string, opts Options, config map[string]any) outcome {
	t.Helper()
	t.Cleanup(func() { healthy(t) })
	m := load(t, name, opts)
	var mrns []string
	done := atomic.Bool{}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	err := m.Discover(ctx, cfg(config), func(items []model.Item) error {
		if done.Load() {
			t.Errorf("emit called after Discover returned")
		}
		for _, it := range items {
			if it.Asset != nil {
				mrns = append(mrns, it.Asset.MRN)
			}
		}
		return nil
	})
	done.Store(true)
	if err == nil {
		t.Fatalf("%s: Discover succeeded; want an error", name)
	}
	t.Logf("%s stopped: %v", name, err)
	return outcome{err, mrns, time.Since(start)}
}

func wantLimit(t *testing.T, err error, limit Limit, value string) {
	t.Helper()
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != limit || le.Value != value {
		t.Fatalf("error = %v (%T); want the %s (%s)", err, err, limit, value)
	}
	if !strings.Contains(err.Error(), string(limit)+" ("+value+")") {
		t.Errorf("message does not name the limit: %v", err)
	}
}

func wantPolicy(t *testing.T, err error, reason string) {
	t.Helper()
	var pe *PolicyError
	if !errors.As(err, &pe) || !strings.Contains(pe.Reason, reason) {
		t.Fatalf("error = %v (%T); want a PolicyError saying %q", err, err, reason)
	}
}

func TestEndlessLoopStoppedByRunTime(t *testing.T) {
	for _, mode := range []string{"spin", "sleep"} {
		t.Run(mode, func(t *testing.T) {
			opts, _ := testOptions(t)
			opts.Limits.RunTime = time.Second
			r := hostile(t, "stall", opts, map[string]any{"mode": mode})
			wantLimit(t, r.err, LimitRunTime, "1s")
			if r.took > 10*time.Second {
				t.Errorf("stopped after %v; want about 1s", r.took)
			}
			if len(r.mrns) != 1 {
				t.Errorf("emitted %v; want the one batch before the stall", r.mrns)
			}
		})
	}
}

func TestBlockedReadStoppedByRunTime(t *testing.T) {
	opts, _ := testOptions(t)
	opts.Limits.RunTime = time.Second
	opts.Network.AllowLoopback = true
	port, closed := silentServer(t)
	r := hostile(t, "stall", opts, map[string]any{"mode": "read", "host": "127.0.0.1", "port": port})
	wantLimit(t, r.err, LimitRunTime, "1s")
	select { // the host closed the module's connection with the run
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Error("the module's connection is still open after its run")
	}
}

func TestEndlessValidateStoppedByCallTime(t *testing.T) {
	opts, _ := testOptions(t)
	opts.Limits.CallTime = time.Second
	m := load(t, "stall", opts)
	err := m.Validate(context.Background(), cfg(map[string]any{"mode": "spin-validate"}))
	wantLimit(t, err, LimitCallTime, "1s")
	if !strings.Contains(err.Error(), "weir_validate") {
		t.Errorf("message does not say which call: %v", err)
	}
	wantLimit(t, hostile(t, "stall", opts, map[string]any{"mode": "spin-validate"}).err, LimitCallTime, "1s")
}

func TestCallerCancellationIsNotALimit(t *testing.T) {
	opts, _ := testOptions(t)
	m := load(t, "stall", opts)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, emit := collector()
	err := m.Discover(ctx, cfg(map[string]any{"mode": "spin"}), emit)
	var le *LimitError
	if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &le) {
		t.Errorf("error = %v; want the caller's context.DeadlineExceeded, not a limit", err)
	}
	healthy(t)
}

func TestMemoryBeyondTheLimit(t *testing.T) {
	for _, mode := range []string{"grow", "huge"} {
		t.Run(mode, func(t *testing.T) {
			opts, _ := testOptions(t)
			opts.Limits.Memory = 64 << 20
			wantLimit(t, hostile(t, "memory", opts, map[string]any{"mode": mode}).err, LimitMemory, "64 MiB")
		})
	}
}

func TestOutputFloodStoppedByOutputLimit(t *testing.T) {
	opts, _ := testOptions(t)
	opts.Limits.Output = 4 << 20
	r := hostile(t, "flood", opts, nil)
	wantLimit(t, r.err, LimitOutput, "4 MiB")
	// Each asset is a little over 4 KiB; nothing past the limit arrives.
	if len(r.mrns) == 0 || len(r.mrns) > 1024 {
		t.Errorf("%d assets arrived; want some, and at most 1024 (4 MiB)", len(r.mrns))
	}

	opts.Limits = Limits{Batch: 64 << 10}
	r = hostile(t, "flood", opts, nil)
	wantLimit(t, r.err, LimitBatch, "64 KiB")
	if len(r.mrns) != 0 {
		t.Errorf("%d assets of an oversized batch arrived", len(r.mrns))
	}
}

func TestDialRefused(t *testing.T) {
	port := echoServer(t, nil)
	addr := func(host string) string { return netip.AddrPortFrom(netip.MustParseAddr(host), uint16(port)).String() }
	for _, tt := range []struct {
		name, host, dial, reason string
		policy                   NetworkPolicy
	}{
		{name: "host not in the config", host: "db.example.com", dial: "evil.example.com:443",
			reason: "evil.example.com:443 is not an endpoint the config names (config endpoints: db.example.com:*); naming it in the source's config allows it"},
		{name: "loopback behind a name", host: "lo.test", dial: "lo.test:5432",
			reason: "lo.test resolves only to refused addresses: 127.0.0.1 is a loopback address behind a name other than localhost; naming 127.0.0.1, ::1 or localhost in the config allows it, and sandbox.allowLoopback: true in pipeline.yaml allows it"},
		{name: "named link-local", host: "169.254.1.1", dial: "169.254.1.1:80",
			reason: "169.254.1.1 is a link-local address; sandbox.allowLinkLocal: true in pipeline.yaml allows it, which only the operator's configuration sets, never a Run"},
		{name: "loopback not in the config", host: "db.example.com", dial: addr("127.0.0.1"),
			reason: "is not an endpoint the config names"},
		{name: "metadata", host: "169.254.169.254", dial: "169.254.169.254:80",
			reason: "169.254.169.254 is a cloud metadata address"},
		{name: "metadata with link-local allowed", host: "169.254.169.254", dial: "169.254.169.254:80",
			policy: NetworkPolicy{AllowLinkLocal: true, AllowLoopback: true}, reason: "cloud metadata address"},
		{name: "metadata not in the config", host: "db.example.com", dial: "169.254.169.254:80",
			reason: "is not an endpoint the config names"},
		{name: "IPv6 metadata", host: "fd00:ec2::254", dial: "[fd00:ec2::254]:80", reason: "cloud metadata address"},
		{name: "unspecified", host: "0.0.0.0", dial: "0.0.0.0:80", reason: "unspecified address"},
		{name: "rebinding to metadata", host: "db.test", dial: "db.test:5432",
			reason: "db.test resolves only to refused addresses: 169.254.169.254 is a cloud metadata address"},
		{name: "port not in the config", host: "db.test:5432", dial: "db.test:22", reason: "not an endpoint"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts, _ := testOptions(t)
			opts.Network = tt.policy
			opts.Network.Resolver = fakeResolver{"db.test": {netip.MustParseAddr("169.254.169.254")}, "lo.test": {netip.MustParseAddr("127.0.0.1")}}
			r := hostile(t, "dialer", opts, map[string]any{"host": tt.host, "dial": tt.dial})
			wantPolicy(t, r.err, tt.reason)
			if strings.Join(r.mrns, ",") != "mrn://table/test/before_dial" {
				t.Errorf("emitted %v; want only the asset before the dial", r.mrns)
			}
		})
	}
}

// A loopback host the config names is the pipeline author's choice: it
// is dialled without the operator's sandbox.allowLoopback.
func TestDialNamedLoopback(t *testing.T) {
	port := echoServer(t, nil)
	for _, host := range []string{"127.0.0.1", "localhost"} {
		t.Run(host, func(t *testing.T) {
			opts, _ := testOptions(t)
			opts.Network = NetworkPolicy{}
			m := load(t, "dialer", opts)
			var mrns []string
			err := m.Discover(context.Background(), cfg(map[string]any{"host": host, "dial": net.JoinHostPort(host, strconv.Itoa(port))}),
				func(items []model.Item) error {
					for _, it := range items {
						mrns = append(mrns, it.Asset.MRN)
					}
					return nil
				})
			if err != nil {
				t.Fatalf("Discover = %v; want the dial allowed", err)
			}
			if strings.Join(mrns, ",") != "mrn://table/test/before_dial,mrn://table/test/after_dial" {
				t.Errorf("emitted %v; want both assets", mrns)
			}
		})
	}
}

func TestDialOutsideDiscoverOrWithoutCapability(t *testing.T) {
	opts, _ := testOptions(t)
	opts.Network.AllowLoopback = true
	m := load(t, "dialer", opts)
	err := m.Validate(context.Background(), cfg(map[string]any{"host": "127.0.0.1", "dial": "127.0.0.1:1", "when": "validate"}))
	wantPolicy(t, err, "network access is granted only during weir_discover")

	r := hostile(t, "crash", opts, map[string]any{"mode": "dial", "host": "127.0.0.1"})
	wantPolicy(t, r.err, `the plugin did not declare the "network" capability`)
}

// TestDialGoesToTheCheckedAddress: the name is resolved once, by the
// host, and the connection goes to the address that was checked.
func TestDialGoesToTheCheckedAddress(t *testing.T) {
	port := echoServer(t, nil)
	opts, _ := testOptions(t)
	opts.Network.AllowLoopback = true
	lookups := &atomic.Int32{}
	opts.Network.Resolver = countingResolver{fakeResolver{"db.test": {netip.MustParseAddr("127.0.0.1")}}, lookups}
	m := load(t, "dialer", opts)
	batches, emit := collector()
	dial := netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(port)).String()
	dial = "db.test" + dial[strings.LastIndex(dial, ":"):]
	if err := m.Discover(context.Background(), cfg(map[string]any{"host": "DB.test.", "dial": dial}), emit); err != nil {
		t.Fatalf("Discover: %v", err)
	}
	if len(*batches) != 2 || lookups.Load() != 1 {
		t.Errorf("%d batches, %d lookups; want 2 batches (before and after the dial) and 1 lookup", len(*batches), lookups.Load())
	}
}

func TestCrashes(t *testing.T) {
	for _, tt := range []struct{ mode, cause string }{
		{"panic", "panic: the plugin lost its mind"},
		{"nil", "nil pointer dereference"},
		{"exit", "exited with code 3"},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			opts, _ := testOptions(t)
			r := hostile(t, "crash", opts, map[string]any{"mode": tt.mode})
			var ce *CrashError
			if !errors.As(r.err, &ce) || ce.Call != "weir_discover" || !strings.Contains(r.err.Error(), tt.cause) {
				t.Fatalf("error = %v (%T); want a CrashError in weir_discover saying %q", r.err, r.err, tt.cause)
			}
			if len(r.mrns) != 1 {
				t.Errorf("emitted %v; want the one batch before the crash", r.mrns)
			}
		})
	}
}

func TestUnreachableTrap(t *testing.T) {
	t.Cleanup(func() { healthy(t) })
	opts, _ := testOptions(t)
	m, err := Load(context.Background(), trapWasm(), opts)
	if err != nil {
		t.Fatalf("Load(hand-written module): %v", err)
	}
	defer m.Close(context.Background())
	if err := m.Validate(context.Background(), cfg(nil)); err != nil {
		t.Errorf("Validate: %v", err)
	}
	batches, emit := collector()
	err = m.Discover(context.Background(), cfg(nil), emit)
	var ce *CrashError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "unreachable") || !strings.Contains(err.Error(), "plugin trap crashed in weir_discover") {
		t.Fatalf("error = %v (%T); want a CrashError naming the unreachable trap", err, err)
	}
	if len(*batches) != 1 {
		t.Errorf("%d batches; want the one emitted before the trap", len(*batches))
	}
}

func TestWrongABIVersion(t *testing.T) {
	t.Cleanup(func() { healthy(t) })
	opts, _ := testOptions(t)
	for _, tt := range []struct {
		name string
		wasm []byte
		got  int
	}{
		{"Go module importing a v2 host function", guests["abi2"], 2},
		{"hand-written module saying v7", abiOnlyWasm(7), 7},
		{"hand-written module saying v0", abiOnlyWasm(0), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(context.Background(), tt.wasm, opts)
			var ae *ABIError
			if !errors.As(err, &ae) || ae.Got != tt.got {
				t.Fatalf("Load = %v (%T); want an ABIError for v%d", err, err, tt.got)
			}
			for _, want := range []string{"built for plugin ABI v" + string(rune('0'+tt.got)), "runs ABI v1 modules"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message lacks %q: %v", want, err)
				}
			}
		})
	}
}

func TestNotAPlugin(t *testing.T) {
	opts, _ := testOptions(t)
	for _, tt := range []struct {
		name string
		wasm []byte
		want string
	}{
		{"not wasm", []byte("#!/bin/sh\necho hi\n"), "is not a valid WebAssembly module"},
		{"no ABI export", buildWasm(nil, []wasmFunc{{export: "run", code: nil}}, 1, nil), "does not export weir_abi_version"},
		{"WASI command", buildWasm(nil, []wasmFunc{
			{export: exportABIVersion, results: []byte{wI32}, code: i32Const(1)},
			{export: "_start"}}, 1, nil), "is a WASI command"},
		{"missing exports", abiOnlyWasm(1), "missing weir_alloc; missing weir_describe"},
		{"foreign import", buildWasm([]wasmImport{{module: "env", name: "abort"}},
			[]wasmFunc{{export: exportABIVersion, results: []byte{wI32}, code: i32Const(1)}}, 1, nil), "imports env.abort"},
		{"memory above the limit", buildWasm(nil, []wasmFunc{{export: exportABIVersion, results: []byte{wI32}, code: i32Const(1)}}, 8192, nil),
			"stopped by the memory limit (256 MiB)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(context.Background(), tt.wasm, opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load = %v; want an error containing %q", err, tt.want)
			}
		})
	}
}

type fakeResolver map[string][]netip.Addr

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if ips, ok := f[host]; ok {
		return ips, nil
	}
	return nil, errors.New("no such host " + host)
}

type countingResolver struct {
	Resolver
	n *atomic.Int32
}

func (c countingResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	c.n.Add(1)
	return c.Resolver.LookupNetIP(ctx, network, host)
}
