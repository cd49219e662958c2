package describe

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/weir-dev/weir/plugins/host"
)

// The child's outcome becomes an error that says whose fault it is:
// a *ModuleError is final, anything else may be retried.
func TestCommandOutcomes(t *testing.T) {
	for _, tt := range []struct {
		name   string
		script string
		module bool   // want a *ModuleError
		want   string // in its message
	}{
		{"module at fault", `cat >/dev/null; echo '{"error": "plugin sha256:abc: wrong ABI"}'; exit 2`, true, "plugin sha256:abc: wrong ABI"},
		{"killed", `cat >/dev/null; kill -KILL $$`, true, "raise the manager's memory limit"},
		{"crashed", `cat >/dev/null; echo 'fatal error: out of file descriptors' >&2; exit 1`, false, "out of file descriptors"},
		{"garbage", `cat >/dev/null; echo nope`, false, "invalid output"},
		{"flags", `cat >/dev/null; echo "$@" >&2; exit 1`, false, "--memory-bytes=1048576 --call-timeout=3s -"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := Command([]string{"sh", "-c", tt.script, "sh"})
			_, err := f(context.Background(), []byte("\x00asm"), host.Limits{Memory: 1 << 20, CallTime: 3e9})
			var me *ModuleError
			if err == nil || errors.As(err, &me) != tt.module || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v (module's fault: %v); want %q, module's fault %v", err, errors.As(err, &me), tt.want, tt.module)
			}
		})
	}
}

func TestCommandDescribes(t *testing.T) {
	f := Command([]string{"sh", "-c", `cat >/dev/null; echo '{"sha256": "00", "description": {"id": "x", "version": "1.0.0", "abi": 1}}'`, "sh"})
	d, err := f(context.Background(), nil, host.Limits{})
	if err != nil || d.ID != "x" || d.Version != "1.0.0" || d.ABI != 1 {
		t.Errorf("got %+v, %v; want the child's description", d, err)
	}
}

func TestCommandThatCannotStart(t *testing.T) {
	_, err := Command([]string{"/nonexistent/weir", "plugin", "describe"})(context.Background(), nil, host.Limits{})
	var me *ModuleError
	if err == nil || errors.As(err, &me) {
		t.Errorf("err = %v; want an error that is not the module's fault", err)
	}
}

func TestInProcessBlamesTheModule(t *testing.T) {
	_, err := InProcess(host.Options{})(context.Background(), []byte("not wasm"), host.Limits{})
	var me *ModuleError
	if !errors.As(err, &me) || !strings.Contains(me.Message, "not a valid WebAssembly module") {
		t.Errorf("err = %v; want a *ModuleError naming an invalid module", err)
	}
}
