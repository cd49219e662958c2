package host

// A minimal WebAssembly encoder for hand-written test modules. They show
// that ABI v1 needs neither Go nor WASI, and give a real `unreachable`
// trap, which Go cannot emit on purpose.

const (
	wI32 byte = 0x7f
	wI64 byte = 0x7e
)

type wasmImport struct {
	module, name    string
	params, results []byte
}

type wasmFunc struct {
	export          string
	params, results []byte
	code            []byte // instructions, without the final end
}

type wasmData struct {
	offset int32
	bytes  []byte
}

func uleb(v uint64) []byte {
	var out []byte
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			out = append(out, b|0x80)
			continue
		}
		return append(out, b)
	}
}

func sleb(v int64) []byte {
	var out []byte
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && b&0x40 == 0) || (v == -1 && b&0x40 != 0) {
			return append(out, b)
		}
		out = append(out, b|0x80)
	}
}

func wvec(items ...[]byte) []byte {
	out := uleb(uint64(len(items)))
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}

func wname(s string) []byte { return append(uleb(uint64(len(s))), s...) }

func wsection(id byte, content []byte) []byte {
	return append(append([]byte{id}, uleb(uint64(len(content)))...), content...)
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Instructions.
func i32Const(v int32) []byte { return append([]byte{0x41}, sleb(int64(v))...) }
func i64Const(v int64) []byte { return append([]byte{0x42}, sleb(v)...) }
func call(idx uint32) []byte  { return append([]byte{0x10}, uleb(uint64(idx))...) }

var (
	opUnreachable = []byte{0x00}
	opDrop        = []byte{0x1a}
)

// buildWasm encodes a module with one memory of pages pages, exported as
// "memory". Each import and function gets its own type.
func buildWasm(imports []wasmImport, funcs []wasmFunc, pages uint32, data []wasmData) []byte {
	var types, imps, fidx, exps, codes, datas [][]byte
	sigOf := func(params, results []byte) []byte {
		return cat([]byte{0x60}, uleb(uint64(len(params))), params, uleb(uint64(len(results))), results)
	}
	for _, im := range imports {
		imps = append(imps, cat(wname(im.module), wname(im.name), []byte{0x00}, uleb(uint64(len(types)))))
		types = append(types, sigOf(im.params, im.results))
	}
	for i, f := range funcs {
		fidx = append(fidx, uleb(uint64(len(types))))
		types = append(types, sigOf(f.params, f.results))
		exps = append(exps, cat(wname(f.export), []byte{0x00}, uleb(uint64(len(imports)+i))))
		body := cat([]byte{0x00}, f.code, []byte{0x0b}) // no locals
		codes = append(codes, cat(uleb(uint64(len(body))), body))
	}
	exps = append(exps, cat(wname("memory"), []byte{0x02, 0x00}))
	for _, d := range data {
		datas = append(datas, cat([]byte{0x00}, i32Const(d.offset), []byte{0x0b}, uleb(uint64(len(d.bytes))), d.bytes))
	}
	out := cat([]byte("\x00asm"), []byte{1, 0, 0, 0},
		wsection(1, wvec(types...)))
	if len(imps) > 0 {
		out = cat(out, wsection(2, wvec(imps...)))
	}
	out = cat(out,
		wsection(3, wvec(fidx...)),
		wsection(5, wvec(cat([]byte{0x00}, uleb(uint64(pages))))),
		wsection(7, wvec(exps...)),
		wsection(10, wvec(codes...)))
	if len(datas) > 0 {
		out = cat(out, wsection(11, wvec(datas...)))
	}
	return out
}

// abiOnlyWasm says it is built for ABI version v and has nothing else.
func abiOnlyWasm(v int32) []byte {
	return buildWasm(nil, []wasmFunc{{export: exportABIVersion, results: []byte{wI32}, code: i32Const(v)}}, 1, nil)
}

// trapWasm is a complete ABI v1 plugin without Go or WASI: it describes
// itself, validates anything, and in discover emits one batch and then
// executes `unreachable`.
func trapWasm() []byte {
	const descAt, batchAt = 1024, 2048
	desc := []byte(`{"ok":{"id":"trap","version":"1.0.0","abi":1,"config_schema":{"type":"object"}}}`)
	batch := []byte(`[{"asset":{"mrn":"mrn://table/test/before_trap","name":"before_trap","type":"Table","providers":["Test"]}}]`)
	return buildWasm(
		[]wasmImport{{module: "weir", name: "emit", params: []byte{wI32, wI32}, results: []byte{wI32}}},
		[]wasmFunc{
			{export: exportABIVersion, results: []byte{wI32}, code: i32Const(1)},
			{export: exportAlloc, params: []byte{wI32}, results: []byte{wI32}, code: i32Const(4096)},
			{export: exportDescribe, results: []byte{wI64}, code: i64Const(descAt<<32 | int64(len(desc)))},
			{export: exportValidate, params: []byte{wI32, wI32}, results: []byte{wI64}, code: i64Const(0)},
			{export: exportDiscover, params: []byte{wI32, wI32}, results: []byte{wI64},
				code: cat(i32Const(batchAt), i32Const(int32(len(batch))), call(0), opDrop, opUnreachable)},
		},
		2, []wasmData{{descAt, desc}, {batchAt, batch}})
}
