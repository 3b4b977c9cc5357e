package vaulttest

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// verifyTimeout bounds one `vault proxy -test-verify-only` run.
const verifyTimeout = 30 * time.Second

// VerifyProxyConfig runs `vault proxy -test-verify-only -config=P ...`, one
// -config per path (a path may be a file or a directory of .hcl/.json
// files; Vault merges several configs in order), and reports whether Vault
// exited 0, together with its combined stdout and stderr.
//
// In Vault 1.21.0 -test-verify-only loads and merges the configs, runs the
// proxy config validation (ValidateConfig), applies flag/env overrides and
// builds the logger (so log_level, log_format and log_rotate_duration are
// checked and a log_file is opened), then exits before contacting Vault or
// opening listeners: certificate files, auto_auth method settings and sink
// paths are not checked.
//
// The process runs in an empty temporary working directory with only PATH
// and a temporary HOME in its environment, so the caller's VAULT_* variables
// never change the outcome, relative paths inside a config resolve in that
// directory, and files the proxy creates (log_file) land there. Paths given
// here are made absolute first. It is killed after 30s (then ok is false).
func VerifyProxyConfig(t testing.TB, paths ...string) (ok bool, output string) {
	t.Helper()
	bin := Binary(t)
	if len(paths) == 0 {
		t.Fatalf("vaulttest: VerifyProxyConfig needs at least one config path")
	}
	args := []string{"proxy", "-test-verify-only"}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatalf("vaulttest: %v", err)
		}
		args = append(args, "-config="+abs)
	}

	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), verifyTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = cleanEnv(dir)
	cmd.Stdin = nil
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	output = string(out)
	if ctx.Err() != nil {
		return false, output + fmt.Sprintf("\n(vaulttest: vault proxy -test-verify-only killed after %s)", verifyTimeout)
	}
	if err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			t.Fatalf("vaulttest: running %s %v: %v", bin, args, err)
		}
		return false, output
	}
	return true, output
}
