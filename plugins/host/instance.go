package host

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source"
)

// instance is one sandboxed instantiation of a module, used for one
// Validate or Discover (or Load's checks) and then closed: instances are
// never shared, so one run cannot see another's memory or connections.
type instance struct {
	m      *Module
	mod    api.Module
	parent context.Context // the caller's
	run    context.Context // parent, bounded by RunTime in Discover
	cur    context.Context // the call in progress, for sleeps
	call   string          // the export in progress
	logs   *logSink
	stdout *stream
	stderr *stream
	conns  conns
	stop   func() bool // unregisters closing conns when run is done

	// Set only for weir_discover: the network and emit are not
	// available to describe and validate.
	discovering bool
	allow       allowlist
	emit        func([]model.Item) error
	emitted     int64

	lastErr string
	fatal   error // why a host function stopped the module
}

type instanceKey struct{}

// errAbort is the panic a host function raises to stop the module at
// once; wazero turns it into the error of the export's Call.
var errAbort = errors.New("stopped by the host")

// abort stops the module, recording why; fatal errors are never
// overwritten, so the first cause is the one reported.
func (in *instance) abort(err error) {
	if in.fatal == nil {
		in.fatal = err
	}
	panic(errAbort)
}

// newInstance instantiates the module; g is what a Discover is granted
// (nil for describe and validate).
func (m *Module) newInstance(parent, run context.Context, g *grant) (*instance, error) {
	logger := m.logger()
	in := &instance{m: m, parent: parent, run: run, cur: run,
		logs:  &logSink{logger: logger, budget: m.opts.Limits.Log},
		conns: conns{max: m.opts.Network.MaxConns}}
	in.stdout = &stream{sink: in.logs, name: "stdout", level: slog.LevelInfo}
	in.stderr = &stream{sink: in.logs, name: "stderr", level: slog.LevelWarn, keep: true}
	cfg := wazero.NewModuleConfig().
		WithName(""). // anonymous: instances of one module may coexist
		WithStartFunctions(exportInitialize).
		WithArgs(m.name()).
		WithStdout(checkedWriter{in, in.stdout}).WithStderr(checkedWriter{in, in.stderr}).
		// Real clocks and randomness: TLS needs both. The defaults are
		// deterministic fakes.
		WithSysWalltime().WithSysNanotime().WithRandSource(rand.Reader).
		WithNanosleep(in.sleep)
	cfg = g.apply(cfg, m.opts.RootCAs)
	ctx, cancel := context.WithTimeout(run, m.opts.Limits.CallTime)
	defer cancel()
	in.cur, in.call = ctx, exportInitialize
	mod, err := m.runtime.InstantiateModule(context.WithValue(ctx, instanceKey{}, in), m.compiled, cfg)
	if err != nil {
		err = in.failure(ctx, err)
		in.close()
		return nil, err
	}
	in.mod = mod
	// Closing the connections unblocks a read when the caller cancels.
	in.stop = context.AfterFunc(run, in.conns.closeAll)
	return in, nil
}

func (in *instance) close() {
	if in.stop != nil {
		in.stop()
	}
	in.conns.closeAll()
	in.stdout.flush()
	in.stderr.flush()
	if in.mod != nil {
		_ = in.mod.Close(context.Background())
	}
}

// sleep serves WASI poll_oneoff's clock waits, cut short when the call
// ends so a sleeping module cannot outlive its deadline: it is stopped
// there, as a trusted module has no other check (Options.Trusted).
func (in *instance) sleep(ns int64) {
	in.stopIfDone(in.cur)
	t := time.NewTimer(time.Duration(ns))
	defer t.Stop()
	select {
	case <-t.C:
	case <-in.cur.Done():
	}
	in.stopIfDone(in.cur)
}

// checkedWriter is a module's stdout or stderr, stopping the module when
// its call's deadline has passed: WASI fd_write is a host call too.
type checkedWriter struct {
	in *instance
	w  io.Writer
}

func (c checkedWriter) Write(p []byte) (int, error) {
	c.in.stopIfDone(c.in.cur)
	return c.w.Write(p)
}

// invoke calls an export. Calls other than weir_discover are bounded by
// CallTime; weir_discover by the run's context only.
func (in *instance) invoke(name string, perCall bool, args ...uint64) (uint64, error) {
	ctx, cancel := in.run, context.CancelFunc(func() {})
	if perCall {
		ctx, cancel = context.WithTimeout(in.run, in.m.opts.Limits.CallTime)
	}
	defer cancel()
	in.cur, in.call = ctx, name
	res, err := in.mod.ExportedFunction(name).Call(context.WithValue(ctx, instanceKey{}, in), args...)
	// A deadline that passed during the call wins over what the module
	// made of it (e.g. an "i/o timeout" error of its own).
	if err != nil || in.fatal != nil || expired(ctx) {
		return 0, in.failure(ctx, err)
	}
	return res[0], nil
}

// failure explains why a call failed: what a host function stopped the
// module for, the caller's cancellation, a limit, or a crash.
func (in *instance) failure(ctx context.Context, err error) error {
	id, lim := in.m.name(), in.m.opts.Limits
	switch {
	case in.fatal != nil:
		return in.fatal
	case expired(in.parent):
		cause := context.Cause(in.parent)
		if cause == nil { // the deadline passed a moment before ctx noticed
			cause = context.DeadlineExceeded
		}
		return fmt.Errorf("plugin %s: %s stopped: %w", id, in.call, cause)
	case in.run != in.parent && expired(in.run):
		return &LimitError{Module: id, Limit: LimitRunTime, Value: lim.RunTime.String(), Detail: "in " + in.call}
	case expired(ctx):
		return &LimitError{Module: id, Limit: LimitCallTime, Value: lim.CallTime.String(), Detail: "in " + in.call}
	}
	summary, tail := in.logs.stderrSummary()
	cause := strings.SplitN(err.Error(), "\n", 2)[0]
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		cause = fmt.Sprintf("exited with code %d", exit.ExitCode())
	}
	if summary != "" {
		cause += " (" + summary + ")"
	}
	if used, ok := in.outOfMemory(summary); ok {
		return &LimitError{Module: id, Limit: LimitMemory, Value: bytesString(lim.Memory),
			Detail: fmt.Sprintf("%s failed with %s of memory in use: %s", in.call, bytesString(used), cause)}
	}
	return &CrashError{Module: id, Call: in.call, Cause: cause, Stderr: tail}
}

// outOfMemory guesses whether a crash came from the memory limit: the
// module said so on stderr (Go and Rust runtimes do), or its memory had
// grown to within an eighth of the limit. wazero just fails the
// memory.grow, so there is no direct signal.
func (in *instance) outOfMemory(summary string) (used uint64, ok bool) {
	if in.mod != nil {
		used = uint64(in.mod.Memory().Size())
	}
	limit := uint64(in.m.opts.Limits.memoryPages()) << 16
	return used, strings.Contains(summary, "out of memory") ||
		strings.Contains(summary, "memory allocation of") ||
		used+limit/8 >= limit
}

// input copies data into a buffer the module allocates.
func (in *instance) input(data []byte) (ptr, n uint32, err error) {
	if len(data) == 0 {
		return 0, 0, nil
	}
	if uint64(len(data)) > uint64(in.m.opts.Limits.Batch) {
		return 0, 0, fmt.Errorf("plugin %s: config of %d bytes exceeds the %s (%s)", in.m.name(), len(data), LimitBatch, bytesString(uint64(in.m.opts.Limits.Batch)))
	}
	p, err := in.invoke(exportAlloc, true, uint64(len(data)))
	if err != nil {
		return 0, 0, err
	}
	if !in.mod.Memory().Write(uint32(p), data) {
		return 0, 0, &ProtocolError{Module: in.m.name(), Detail: fmt.Sprintf("%s returned %#x, not a buffer of %d bytes in its memory", exportAlloc, uint32(p), len(data))}
	}
	return uint32(p), uint32(len(data)), nil
}

// result decodes a packed result envelope: the value, or the module's
// error as a *source.Error.
func (in *instance) result(packed uint64) (json.RawMessage, error) {
	if packed == 0 {
		return nil, nil
	}
	ptr, n := unpack(packed)
	if n > in.m.opts.Limits.Batch {
		return nil, &LimitError{Module: in.m.name(), Limit: LimitBatch, Value: bytesString(uint64(in.m.opts.Limits.Batch)),
			Detail: fmt.Sprintf("%s returned %d bytes", in.call, n)}
	}
	b, ok := in.mod.Memory().Read(ptr, n)
	if !ok {
		return nil, &ProtocolError{Module: in.m.name(), Detail: fmt.Sprintf("%s returned a buffer outside its memory", in.call)}
	}
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, &ProtocolError{Module: in.m.name(), Detail: fmt.Sprintf("%s returned an invalid result: %v", in.call, err)}
	}
	if env.Error != nil {
		return nil, &source.Error{Message: env.Error.Message, Retryable: env.Error.Retryable}
	}
	return env.OK, nil
}

// callWith passes data to an export taking (ptr, len) and decodes its
// result, of which validate and discover return only the error.
func (in *instance) callWith(name string, perCall bool, data []byte) error {
	ptr, n, err := in.input(data)
	if err != nil {
		return err
	}
	packed, err := in.invoke(name, perCall, uint64(ptr), uint64(n))
	if err != nil {
		return err
	}
	_, err = in.result(packed)
	return err
}
