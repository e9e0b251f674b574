//go:build !linux

package mototest

import "os/exec"

// Outside Linux only the direct child is killed; moto_server from pip or a
// pyenv shim runs as a single process, so nothing is left behind.
func configureProcess(*exec.Cmd) {}

func killProcess(cmd *exec.Cmd) { _ = cmd.Process.Kill() }
