package host

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/weir-dev/weir/plugins/model"
)

// hostFunc is one function of the "weir" host module. Its state is the
// calling instance, found in the call's context.
type hostFunc struct {
	params, results []api.ValueType
	fn              func(ctx context.Context, in *instance, mem api.Memory, stack []uint64)
}

var (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

// hostFuncs is the "weir" module of ABI v1 (docs/plugins/abi.md).
var hostFuncs = map[string]hostFunc{
	"log":               {[]api.ValueType{i32, i32, i32}, nil, hostLog},
	"emit":              {[]api.ValueType{i32, i32}, []api.ValueType{i32}, hostEmit},
	"dial":              {[]api.ValueType{i32, i32, i32, i32, i64}, []api.ValueType{i32}, hostDial},
	"conn_read":         {[]api.ValueType{i32, i32, i32}, []api.ValueType{i32}, hostConnRead},
	"conn_write":        {[]api.ValueType{i32, i32, i32}, []api.ValueType{i32}, hostConnWrite},
	"conn_close":        {[]api.ValueType{i32}, []api.ValueType{i32}, hostConnClose},
	"conn_set_deadline": {[]api.ValueType{i32, i32, i64}, []api.ValueType{i32}, hostConnSetDeadline},
	"last_error":        {[]api.ValueType{i32, i32}, []api.ValueType{i32}, hostLastError},
}

// maxLogRecord bounds one log record; longer ones are cut.
const maxLogRecord = 64 << 10

func instantiateHostModule(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(hostModule)
	for name, f := range hostFuncs {
		b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, mod api.Module, stack []uint64) {
			in, _ := ctx.Value(instanceKey{}).(*instance)
			if in == nil {
				panic("weir host function called outside a host call") // a bug in this package
			}
			// A trusted module (Options.Trusted) has no other check: a
			// deadline must stop it at its next host call, and when one
			// passed during a call, before it resumes.
			in.stopIfDone(ctx)
			f.fn(ctx, in, mod.Memory(), stack)
			in.stopIfDone(ctx)
		}), f.params, f.results).Export(name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

// view returns the module's bytes at ptr, stopping it if they are not in
// its memory. The view is valid until the module runs again.
func (in *instance) view(mem api.Memory, ptr, n uint64) []byte {
	b, ok := mem.Read(uint32(ptr), uint32(n))
	if !ok {
		in.abort(&ProtocolError{Module: in.m.name(), Detail: fmt.Sprintf("passed %d bytes at %#x, outside its memory", uint32(n), uint32(ptr))})
	}
	return b
}

// fail records err for last_error and returns its status code.
func (in *instance) fail(err error) uint64 {
	in.lastErr = err.Error()
	return api.EncodeI32(status(err))
}

// log(level, ptr, len): level is slog's (-4 debug, 0 info, 4 warn, 8 error).
func hostLog(_ context.Context, in *instance, mem api.Memory, stack []uint64) {
	n := min(uint32(stack[2]), maxLogRecord)
	in.logs.record(slog.Level(api.DecodeI32(stack[0])), in.view(mem, stack[1], uint64(n)))
}

// emit(ptr, len) -> 0: a JSON array of model.Item. Limits and a failing
// emit callback stop the module rather than return a status, so a module
// that ignores statuses still cannot go on.
func hostEmit(_ context.Context, in *instance, mem api.Memory, stack []uint64) {
	id, lim, n := in.m.name(), in.m.opts.Limits, uint32(stack[1])
	if in.emit == nil {
		in.abort(&ProtocolError{Module: id, Detail: "emit called outside " + exportDiscover})
	}
	if n > lim.Batch {
		in.abort(&LimitError{Module: id, Limit: LimitBatch, Value: bytesString(uint64(lim.Batch)),
			Detail: fmt.Sprintf("a batch of %d bytes", n)})
	}
	if in.emitted+int64(n) > lim.Output {
		in.abort(&LimitError{Module: id, Limit: LimitOutput, Value: bytesString(uint64(lim.Output)),
			Detail: fmt.Sprintf("%d bytes emitted, and a batch of %d more", in.emitted, n)})
	}
	in.emitted += int64(n)
	items, err := decodeBatch(in.view(mem, stack[0], uint64(n)))
	if err != nil {
		in.abort(&ProtocolError{Module: id, Detail: "emitted an invalid batch: " + err.Error()})
	}
	if len(items) > 0 {
		if err := in.emit(items); err != nil {
			in.abort(err) // the caller's own error, unchanged
		}
	}
	stack[0] = 0
}

func decodeBatch(b []byte) ([]model.Item, error) {
	var items []model.Item
	if err := json.Unmarshal(b, &items); err != nil {
		return nil, err
	}
	for i, it := range items {
		set := 0
		for _, p := range []bool{it.Asset != nil, it.Lineage != nil, it.Documentation != nil, it.Statistic != nil} {
			if p {
				set++
			}
		}
		if set != 1 {
			return nil, fmt.Errorf("item %d has %d of asset, lineage, documentation and statistic set; want exactly 1", i, set)
		}
	}
	return items, nil
}

// dial(net_ptr, net_len, addr_ptr, addr_len, deadline_unix_ns) -> handle
func hostDial(ctx context.Context, in *instance, mem api.Memory, stack []uint64) {
	network := string(in.view(mem, stack[0], stack[1]))
	addr := string(in.view(mem, stack[2], stack[3]))
	h, err := in.dial(ctx, network, addr, int64(stack[4]))
	if err != nil {
		stack[0] = in.fail(err)
		return
	}
	stack[0] = api.EncodeI32(h)
}

// conn_read(h, ptr, len) -> n > 0, or a status. It blocks until data,
// EOF, the connection's deadline or the call's.
func hostConnRead(ctx context.Context, in *instance, mem api.Memory, stack []uint64) {
	c := in.conns.get(api.DecodeI32(stack[0]))
	if c == nil {
		stack[0] = api.EncodeI32(statusClosed)
		return
	}
	buf := in.view(mem, stack[1], stack[2])
	if len(buf) == 0 {
		stack[0] = 0
		return
	}
	n, err := c.read(ctx, buf)
	if n > 0 {
		stack[0] = api.EncodeI32(int32(n))
		return
	}
	in.stopIfDone(ctx)
	stack[0] = in.fail(err)
}

// conn_write(h, ptr, len) -> n, or a status.
func hostConnWrite(ctx context.Context, in *instance, mem api.Memory, stack []uint64) {
	c := in.conns.get(api.DecodeI32(stack[0]))
	if c == nil {
		stack[0] = api.EncodeI32(statusClosed)
		return
	}
	n, err := c.write(ctx, in.view(mem, stack[1], stack[2]))
	if n > 0 || err == nil {
		stack[0] = api.EncodeI32(int32(n))
		return
	}
	in.stopIfDone(ctx)
	stack[0] = in.fail(err)
}

// conn_close(h) -> 0, or a status.
func hostConnClose(_ context.Context, in *instance, _ api.Memory, stack []uint64) {
	c := in.conns.remove(api.DecodeI32(stack[0]))
	if c == nil {
		stack[0] = api.EncodeI32(statusClosed)
		return
	}
	if err := c.Close(); err != nil {
		stack[0] = in.fail(err)
		return
	}
	stack[0] = 0
}

// conn_set_deadline(h, which, unix_ns) -> 0, or a status. which: 1 read,
// 2 write, 3 both; unix_ns 0 clears the deadline.
func hostConnSetDeadline(_ context.Context, in *instance, _ api.Memory, stack []uint64) {
	c := in.conns.get(api.DecodeI32(stack[0]))
	if c == nil {
		stack[0] = api.EncodeI32(statusClosed)
		return
	}
	var t time.Time
	if ns := int64(stack[2]); ns != 0 {
		t = time.Unix(0, ns)
	}
	which := api.DecodeI32(stack[1])
	if which&1 != 0 {
		c.readDL = t
	}
	if which&2 != 0 {
		c.writeDL = t
	}
	stack[0] = 0
}

// last_error(ptr, cap) -> the message's full length; at most cap bytes
// of it are copied.
func hostLastError(_ context.Context, in *instance, mem api.Memory, stack []uint64) {
	msg := []byte(in.lastErr)
	buf := in.view(mem, stack[0], stack[1])
	copy(buf, msg)
	stack[0] = api.EncodeI32(int32(len(msg)))
}
