package vaulttest

import (
	"encoding/json"
	"os"
	"os/exec"
	"testing"
)

// SourceDir returns the directory of Vault's own source, module github.com/hashicorp/vault at
// VaultVersion, in the Go module cache: `go mod download` fetches it when it is not there (the
// build of scripts/build-vault.sh has usually put it there already). Tests read Vault's own test
// fixtures from it rather than copies. Without the module (offline, no go command) the test is
// skipped, or fails when CI is set, as Binary does.
func SourceDir(t testing.TB) string {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", "github.com/hashicorp/vault@v"+VaultVersion)
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	cmd.Dir = t.TempDir() // outside any module: the download does not touch the project's go.mod
	out, err := cmd.Output()
	var mod struct{ Dir, Error string }
	if err == nil {
		err = json.Unmarshal(out, &mod)
	}
	if err != nil || mod.Dir == "" {
		msg := "the source of Vault v" + VaultVersion + " is not in the module cache and cannot be downloaded"
		if os.Getenv("CI") != "" {
			t.Fatalf("vaulttest: %s: %v %s", msg, err, mod.Error)
		}
		t.Skipf("%s: %v %s", msg, err, mod.Error)
	}
	return mod.Dir
}
