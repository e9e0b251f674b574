package mototest

import (
	"os/exec"
	"syscall"
)

// configureProcess puts moto_server in its own process group, so
// killProcess reaches anything it spawns, and asks the kernel to kill it if
// the test binary dies without running cleanups (go test -timeout, os.Exit,
// SIGKILL); otherwise an orphaned moto would keep its port for good.
//
// Pdeathsig fires when the thread that started the child exits. The Go
// runtime only ends threads whose goroutine locked them and returned, which
// test code calling Start does not do.
func configureProcess(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func killProcess(cmd *exec.Cmd) {
	// The negative pid addresses the whole group created by Setpgid.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
