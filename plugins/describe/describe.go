// Package describe reads a plugin module's description: in this process,
// or in a child process (`weir plugin describe`) so that the memory a
// compile takes, about 300 MiB for an 18 MiB module, and any failure of
// the compiler stay out of a long-running process such as the manager.
package describe

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"github.com/weir-dev/weir/plugins/host"
	"github.com/weir-dev/weir/plugins/model"
)

// Func returns the description of the module wasm under limits.
type Func func(ctx context.Context, wasm []byte, limits host.Limits) (model.Description, error)

// Result is what `weir plugin describe` prints: the digest a
// SourcePlugin's spec.sha256 must name, and the description.
type Result struct {
	SHA256      string            `json:"sha256"`
	Description model.Description `json:"description"`
}

// ModuleError is a module that cannot be described for a reason of its
// own (not WebAssembly, another ABI, a trap, a limit): describing it
// again will not help.
type ModuleError struct{ Message string }

func (e *ModuleError) Error() string { return e.Message }

// InProcess describes modules in this process with opts (its Limits are
// replaced by each call's).
func InProcess(opts host.Options) Func {
	return func(ctx context.Context, wasm []byte, limits host.Limits) (model.Description, error) {
		o := opts
		o.Limits = limits
		m, err := host.Load(ctx, wasm, o)
		if err != nil {
			return model.Description{}, moduleError(ctx, err)
		}
		defer m.Close(context.WithoutCancel(ctx))
		d, err := m.Describe(ctx)
		if err != nil {
			return model.Description{}, moduleError(ctx, err)
		}
		return d, nil
	}
}

// Describe is InProcess's result with the module's digest.
func Describe(ctx context.Context, wasm []byte, opts host.Options) (Result, error) {
	d, err := InProcess(opts)(ctx, wasm, opts.Limits)
	if err != nil {
		return Result{}, err
	}
	sum := sha256.Sum256(wasm)
	return Result{SHA256: hex.EncodeToString(sum[:]), Description: d}, nil
}

// moduleError blames the module, unless the caller gave up first.
func moduleError(ctx context.Context, err error) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return err
	}
	return &ModuleError{Message: err.Error()}
}
