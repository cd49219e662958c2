package host

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/tetratelabs/wazero/api"
)

// coreFeatures are WebAssembly 2.0 without reference types. Tables live
// outside linear memory, so the memory limit does not bound them; without
// reference types a module cannot grow a table (table.grow, table.fill,
// table.set), leaving the sizes it declares, which checkTables caps. Go's
// wasip1 output needs bulk memory (memory.copy/fill), sign extension and
// saturating conversions, all kept.
const coreFeatures = api.CoreFeaturesV2 &^ api.CoreFeatureReferenceTypes

// maxTableEntries caps the entries all of a module's tables declare; the
// host keeps 8 bytes per entry (8 MiB at the cap). Go's function table has
// one entry per function: the PostgreSQL source declares about 20,000.
const maxTableEntries = 1 << 20

// checkTables refuses a module whose tables declare more than
// maxTableEntries entries at start. It reads the table section itself:
// wazero's CompiledModule does not expose tables.
func checkTables(wasm []byte) (entries uint64, err error) {
	if len(wasm) < 8 {
		return 0, errors.New("too short")
	}
	r := wasmReader{b: wasm[8:]}
	for !r.done() {
		id := r.byte()
		size := r.uleb()
		body := wasmReader{b: r.take(size)}
		if id != 4 { // the table section; imported tables cannot be satisfied here
			continue
		}
		for n := body.uleb(); n > 0 && body.err == nil; n-- {
			body.byte() // reference type
			flags := body.byte()
			entries += body.uleb()
			if flags&1 != 0 {
				body.uleb() // maximum
			}
		}
		if body.err != nil {
			return 0, body.err
		}
	}
	return entries, r.err
}

// wasmReader decodes just enough of the binary format for checkTables.
type wasmReader struct {
	b   []byte
	err error
}

var errTruncated = errors.New("truncated section")

func (r *wasmReader) done() bool { return r.err != nil || len(r.b) == 0 }

func (r *wasmReader) byte() byte {
	if r.err != nil || len(r.b) == 0 {
		r.err = errTruncated
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *wasmReader) uleb() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 || n > 5 {
		r.err = errTruncated
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *wasmReader) take(n uint64) []byte {
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errTruncated
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

// tableError explains a refused table, or a compile error caused by an
// instruction of the disabled reference-types feature.
func (m *Module) tableError(entries uint64, compileErr error) error {
	if compileErr != nil {
		if !strings.Contains(compileErr.Error(), "reference-types") {
			return nil
		}
		return fmt.Errorf("plugin %s uses WebAssembly reference types (table.grow, table.set, ref.func ...), which the host does not enable: "+
			"tables are outside the memory limit; build it without the reference-types feature (%v)", m.name(), compileErr)
	}
	return &LimitError{Module: m.name(), Limit: LimitTable, Value: fmt.Sprintf("%d entries", maxTableEntries),
		Detail: fmt.Sprintf("its tables declare %d entries", entries)}
}
