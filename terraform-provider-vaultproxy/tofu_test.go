package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The proof that the provider works in a real OpenTofu: `tofu test` over the example module
// (examples/terraform), offline, with the provider built from this module and installed through a
// CLI configuration's dev_overrides, which needs no `tofu init` (init would ask the registry).
//
// The OpenTofu binary comes from VAULTPROXY_TOFU_BIN (scripts/build-tofu.sh builds it and
// scripts/test.sh exports it). Without it the tests skip, and fail when CI is set.

// exampleDir is the example module, relative to this module.
const exampleDir = "../examples/terraform"

func tofuBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("VAULTPROXY_TOFU_BIN")
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("VAULTPROXY_TOFU_BIN is not set; in CI it must name the OpenTofu binary (scripts/build-tofu.sh)")
		}
		t.Skip("VAULTPROXY_TOFU_BIN is not set (scripts/build-tofu.sh builds OpenTofu; scripts/test.sh sets it)")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("VAULTPROXY_TOFU_BIN: %v", err)
	}
	return bin
}

// tofuEnv builds the provider into a temporary directory and returns a copy of the example module
// and the environment that runs tofu in it: a CLI configuration whose dev_overrides name that
// directory, nothing of the caller's TF_ variables, and no call home.
func tofuEnv(t *testing.T) (dir string, env []string) {
	t.Helper()
	tmp := t.TempDir()
	plugins := filepath.Join(tmp, "plugins")
	build := exec.Command("go", "build", "-o", filepath.Join(plugins, "terraform-provider-vaultproxy"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	rc := filepath.Join(tmp, "tofu.tfrc")
	cfg := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"vaultproxy/vaultproxy\" = %q\n  }\n  direct {}\n}\n", plugins)
	if err := os.WriteFile(rc, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(tmp, "module")
	copyDir(t, exampleDir, dir)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TF_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"TF_CLI_CONFIG_FILE="+rc, // set explicitly: a machine's default may name a missing file
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		"TF_DATA_DIR="+filepath.Join(tmp, "data"),
	)
	return dir, env
}

// copyDir copies the example module, so that tofu's working files stay out of the repository.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			if d.Name() == ".terraform" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// tofuTest runs `tofu test -no-color ARGS...` in dir and returns its output and exit code.
func tofuTest(t *testing.T, bin, dir string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"test", "-no-color"}, args...)...)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exit):
		return out.String(), exit.ExitCode()
	}
	t.Fatalf("tofu test: %v\n%s", err, out.String())
	return "", 0
}

// Every test of the example module passes, run by run.
func TestTofuTestExamples(t *testing.T) {
	bin := tofuBinary(t)
	dir, env := tofuEnv(t)
	out, code := tofuTest(t, bin, dir, env)
	t.Logf("tofu test:\n%s", out)
	if code != 0 {
		t.Fatalf("tofu test exited %d, want 0", code)
	}
	for _, want := range []string{
		"tests/environments.tftest.hcl... pass",
		`  run "dev_reaches_the_local_vault_without_tls"... pass`,
		`  run "prod_forces_its_token_in_its_namespace"... pass`,
		`  run "every_environment_is_valid_without_a_warning"... pass`,
		"tests/expected_failures.tftest.hcl... pass",
		`  run "a_tls_listener_without_a_certificate_fails_the_check"... pass`,
		`  run "the_missing_certificate_is_reported_at_the_listener"... pass`,
		`  run "an_unknown_environment_is_refused"... pass`,
		"tests/requests.tftest.hcl... pass",
		`  run "dev_adds_its_token_only_when_the_client_sends_none"... pass`,
		`  run "staging_requests_reach_vault_in_staging_and_are_cached"... pass`,
		`  run "prod_replaces_the_clients_token"... pass`,
		"Success! 9 passed, 0 failed.",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("the output has no line %q", want)
		}
	}
}

// The example's failing test fails, with its error message: a failing assertion is reported as
// such, not lost in the provider.
func TestTofuTestFailingExample(t *testing.T) {
	bin := tofuBinary(t)
	dir, env := tofuEnv(t)
	out, code := tofuTest(t, bin, dir, env, "-test-directory=failing")
	t.Logf("tofu test -test-directory=failing:\n%s", out)
	if code != 1 {
		t.Errorf("tofu test exited %d, want 1", code)
	}
	for _, want := range []string{
		"failing/staging_token.tftest.hcl... fail",
		`  run "staging_forces_its_token"... fail`,
		"Error: Test assertion failed",
		"staging's proxy must always use its own token",
		"Failure! 0 passed, 1 failed.",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("the output has no line %q", want)
		}
	}
}
