package describe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"github.com/weir-dev/weir/plugins/host"
	"github.com/weir-dev/weir/plugins/model"
)

// ExitModuleError is the exit code of `weir plugin describe` when the
// module is at fault; its stdout then holds a Failure.
const ExitModuleError = 2

// Failure is what `weir plugin describe` prints when the module is at
// fault.
type Failure struct {
	Error string `json:"error"`
}

// stderrKept bounds what a child's stderr may add to an error.
const stderrKept = 4 << 10

// Command describes each module in a child process: argv (for example
// `weir plugin describe`) followed by the limits as flags, the module on
// stdin, a Result on stdout. env is added to the child's environment.
func Command(argv []string, env ...string) Func {
	return func(ctx context.Context, wasm []byte, limits host.Limits) (model.Description, error) {
		args := append(append([]string{}, argv[1:]...), LimitFlags(limits)...)
		args = append(args, "-")
		cmd := exec.CommandContext(ctx, argv[0], args...)
		cmd.Env = append(cmd.Environ(), env...)
		cmd.Stdin = bytes.NewReader(wasm)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		switch {
		case err == nil:
			var r Result
			if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
				return model.Description{}, fmt.Errorf("describing the module in a child process: invalid output: %w", err)
			}
			return r.Description, nil
		case ctx.Err() != nil:
			return model.Description{}, ctx.Err()
		case errors.As(err, &ee) && ee.ExitCode() == ExitModuleError:
			var f Failure
			if json.Unmarshal(stdout.Bytes(), &f) == nil && f.Error != "" {
				return model.Description{}, &ModuleError{Message: f.Error}
			}
		case errors.As(err, &ee) && !ee.Exited():
			// A signal: most likely the kernel's OOM killer.
			return model.Description{}, &ModuleError{Message: fmt.Sprintf(
				"the process describing the module (%.1f MiB) was stopped (%v): if the kernel stopped it for lack of memory, raise the manager's memory limit (compiling Weir's 17 MiB PostgreSQL module peaks at about 300 MiB)",
				float64(len(wasm))/(1<<20), ee.ProcessState)}
		}
		return model.Description{}, fmt.Errorf("describing the module in a child process: %w: %s", err, tail(stderr.String()))
	}
}

// LimitFlags are `weir plugin describe`'s flags for limits; zero values
// are left to the host's defaults.
func LimitFlags(l host.Limits) []string {
	var f []string
	if l.Memory > 0 {
		f = append(f, "--memory-bytes="+strconv.FormatUint(l.Memory, 10))
	}
	if l.Output > 0 {
		f = append(f, "--output-bytes="+strconv.FormatInt(l.Output, 10))
	}
	if l.CallTime > 0 {
		f = append(f, "--call-timeout="+l.CallTime.String())
	}
	return f
}

func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > stderrKept {
		s = "…" + s[len(s)-stderrKept:]
	}
	return s
}
