package host

import (
	"context"
	"errors"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// probeABI asks a module whose imports this host cannot satisfy for its
// ABI version, so the refusal can name it. It instantiates the module in
// a throwaway runtime where every non-WASI import is a stub that traps.
func (m *Module) probeABI(ctx context.Context, wasm []byte) (int32, error) {
	cache, err := compilationCache(m.opts.CacheDir)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, m.opts.Limits.CallTime)
	defer cancel()
	rt := wazero.NewRuntimeWithConfig(ctx, runtimeConfig(m.opts, cache))
	defer rt.Close(ctx)
	compiled, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return 0, err
	}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return 0, err
	}
	stubs := map[string]wazero.HostModuleBuilder{}
	for _, def := range compiled.ImportedFunctions() {
		mod, name, _ := def.Import()
		if mod == wasi_snapshot_preview1.ModuleName {
			continue
		}
		if stubs[mod] == nil {
			stubs[mod] = rt.NewHostModuleBuilder(mod)
		}
		stubs[mod].NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(context.Context, api.Module, []uint64) {
			panic(errors.New("stub import called while probing the ABI version"))
		}), def.ParamTypes(), def.ResultTypes()).Export(name)
	}
	for _, b := range stubs {
		if _, err := b.Instantiate(ctx); err != nil {
			return 0, err
		}
	}
	mod, err := rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName("").WithStartFunctions(exportInitialize))
	if err != nil {
		return 0, err
	}
	res, err := mod.ExportedFunction(exportABIVersion).Call(ctx)
	if err != nil {
		return 0, err
	}
	return int32(res[0]), nil
}
