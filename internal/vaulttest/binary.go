package vaulttest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vaultproxy/vaultproxy/fixtures"
)

const (
	// VaultVersion is the Vault version that scripts/build-vault.sh builds.
	VaultVersion = "1.21.0"
	// VaultFlavor names the build in the cache directory: "full", every built-in plugin (no
	// -tags minimal), so that the database secrets engine is there.
	VaultFlavor = "full"

	// EnvBinary names the environment variable that scripts/test.sh sets to
	// the vault binary's path.
	EnvBinary = "VAULTPROXY_VAULT_BIN"

	skipMsg = "vault binary not built: run scripts/build-vault.sh"
)

// Binary returns the absolute path of the vault binary to test against. It
// looks, in order, at $VAULTPROXY_VAULT_BIN, at the build cache of
// scripts/build-vault.sh and at .bin/vault in the repository root.
//
// When no binary is found the test is skipped, unless the environment
// variable CI is non-empty: then it fails, because in CI the tests that need
// Vault must run. A VAULTPROXY_VAULT_BIN that names no executable file is
// always a failure.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(EnvBinary); p != "" {
		abs, err := executable(p)
		if err != nil {
			t.Fatalf("vaulttest: %s=%q: %v", EnvBinary, p, err)
		}
		return abs
	}
	var tried []string
	if p, err := CachePath(); err == nil {
		tried = append(tried, p)
		if abs, err := executable(p); err == nil {
			return abs
		}
	}
	if root, err := fixtures.RepoRoot(); err == nil {
		p := filepath.Join(root, ".bin", "vault")
		tried = append(tried, p)
		if abs, err := executable(p); err == nil {
			return abs
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("vaulttest: %s (CI is set, so tests that need Vault fail instead of skipping; looked at $%s, %s)",
			skipMsg, EnvBinary, strings.Join(tried, ", "))
	}
	t.Skipf("%s", skipMsg)
	return ""
}

// CachePath returns where scripts/build-vault.sh caches the binary:
// ${VAULTPROXY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vaultproxy}/vault-1.21.0-full/vault.
// The file need not exist.
func CachePath() (string, error) {
	dir := os.Getenv("VAULTPROXY_CACHE_DIR")
	if dir == "" {
		base := os.Getenv("XDG_CACHE_HOME")
		if base == "" {
			home := os.Getenv("HOME")
			if home == "" {
				return "", errors.New("neither VAULTPROXY_CACHE_DIR, XDG_CACHE_HOME nor HOME is set")
			}
			base = filepath.Join(home, ".cache")
		}
		dir = filepath.Join(base, "vaultproxy")
	}
	return filepath.Join(dir, "vault-"+VaultVersion+"-"+VaultFlavor, "vault"), nil
}

// executable resolves p to an absolute path and checks that it is a regular
// executable file (following symlinks).
func executable(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", abs)
	}
	if fi.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("%s is not executable", abs)
	}
	return abs, nil
}
