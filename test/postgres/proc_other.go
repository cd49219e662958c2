//go:build !linux

package postgres

import "os/exec"

func setParentDeathSignal(*exec.Cmd) {}
