package mysql

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal makes the server stop (immediate shutdown) when
// the test process dies without calling Close.
func setParentDeathSignal(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGTERM
}
