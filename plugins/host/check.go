package host

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// checkModule inspects the compiled module before it runs: it must be a
// reactor that says its ABI version, and import only what this host
// provides. A module importing host functions ABI v1 lacks was most
// likely built for another version: probeABI asks it which.
func (m *Module) checkModule(ctx context.Context, wasm []byte) error {
	exports := m.compiled.ExportedFunctions()
	if _, ok := exports[exportABIVersion]; !ok {
		return fmt.Errorf("plugin %s is not a Weir plugin: it does not export %s (see docs/plugins/abi.md)", m.name(), exportABIVersion)
	}
	_, start := exports[exportStart]
	if _, init := exports[exportInitialize]; start && !init {
		return fmt.Errorf("plugin %s is a WASI command (it exports %s): build it as a reactor, for Go with -buildmode=c-shared", m.name(), exportStart)
	}
	var unknown, foreign []string
	for _, def := range m.compiled.ImportedFunctions() {
		mod, name, _ := def.Import()
		got := sig{def.ParamTypes(), def.ResultTypes()}
		switch mod {
		case wasi_snapshot_preview1.ModuleName:
		case hostModule:
			if f, ok := hostFuncs[name]; !ok || !sameSig(got, sig{f.params, f.results}) {
				unknown = append(unknown, fmt.Sprintf("%s.%s %s", mod, name, got))
			}
		default:
			foreign = append(foreign, mod+"."+name)
		}
	}
	if len(unknown) > 0 {
		if v, err := m.probeABI(ctx, wasm); err == nil && int(v) != ABIVersion {
			return &ABIError{Module: m.name(), Got: int(v)}
		}
		return &ProtocolError{Module: m.name(), Detail: "imports functions ABI v1 does not define: " + strings.Join(unknown, ", ")}
	}
	if len(foreign) > 0 {
		return fmt.Errorf("plugin %s imports %s, but the host provides only the modules %q and %q",
			m.name(), strings.Join(foreign, ", "), hostModule, wasi_snapshot_preview1.ModuleName)
	}
	return nil
}

// checkExports checks the exports ABI v1 requires, once the module has
// said it is built for v1.
func (m *Module) checkExports() error {
	exports := m.compiled.ExportedFunctions()
	var bad []string
	for _, name := range []string{exportAlloc, exportDescribe, exportValidate, exportDiscover} {
		want := exportSigs[name]
		def, ok := exports[name]
		if !ok {
			bad = append(bad, "missing "+name)
		} else if got := (sig{def.ParamTypes(), def.ResultTypes()}); !sameSig(got, want) {
			bad = append(bad, fmt.Sprintf("%s is %s, want %s", name, got, want))
		}
	}
	if _, ok := m.compiled.ExportedMemories()[exportMemory]; !ok {
		bad = append(bad, "missing memory export "+exportMemory)
	}
	if len(bad) > 0 {
		return &ProtocolError{Module: m.name(), Detail: strings.Join(bad, "; ")}
	}
	return nil
}

func sameSig(a, b sig) bool {
	return slices.Equal(a.params, b.params) && slices.Equal(a.results, b.results)
}
