// Package buildinfo names the running build: its version and source commit,
// for GET /health and the logs. The Makefile stamps both at link time with
// -ldflags "-X"; a build without them (go run, go test) falls back to the Go
// toolchain's VCS stamp, or "unknown".
package buildinfo

import "runtime/debug"

// Set at link time; see the Makefile's LDFLAGS.
var (
	version string
	commit  string
)

// Version is the release version, or "dev" for an unstamped build.
func Version() string {
	if version != "" {
		return version
	}
	return "dev"
}

// Commit is the source commit the binary was built from.
func Commit() string {
	if commit != "" {
		return commit
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && s.Value != "" {
				return s.Value
			}
		}
	}
	return "unknown"
}
