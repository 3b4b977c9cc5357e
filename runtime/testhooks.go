//go:build vaultproxy_testhooks

package runtime

import (
	"os"
	"time"
)

// Built only with -tags vaultproxy_testhooks, which the run tests use for a second vaultproxy
// binary (cmd/vaultproxy run_signals_test.go): VAULTPROXY_TESTHOOK_RELOAD_BUILD_TIMEOUT (a Go
// duration) shortens the bound on a reload's build, so that a test sees a reload give up within a
// second instead of compile.RunReloadBuildTimeout.
func init() {
	if s := os.Getenv("VAULTPROXY_TESTHOOK_RELOAD_BUILD_TIMEOUT"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			panic("VAULTPROXY_TESTHOOK_RELOAD_BUILD_TIMEOUT: want a positive duration, got " + s)
		}
		reloadBuildTimeout = d
	}
}
