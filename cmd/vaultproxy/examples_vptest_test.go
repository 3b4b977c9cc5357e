package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The tests of examples/vptest pass, but for the one that fails on purpose, with its message: the
// example shows a failure as a user meets one.
func TestExampleVPTest(t *testing.T) {
	dir := filepath.Join(examplesDir, "vptest")
	r := runValidate(t, "", nil, "test", "-no-color", dir)
	r.wantCode(t, exitError)
	failing := filepath.Join(dir, "tests", "policy.vptest.hcl")
	for _, want := range []string{
		`  run "api_listeners_require_request_header"... fail` + "\n",
		failing + "... fail\n",
		"Failure! 5 passed, 1 failed.\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, want := range []string{
		"Error: Test assertion failed",
		"on " + failing + ` line 6, in run "api_listeners_require_request_header":`,
		"Every API listener must set require_request_header = true",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}

	// Every other run passes.
	j := runValidate(t, "", nil, "test", "-json", dir)
	j.wantCode(t, exitError)
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(j.stdout), "\n") {
		var msg struct {
			Type    string `json:"type"`
			TestRun struct {
				Run      string `json:"run"`
				Progress string `json:"progress"`
				Status   string `json:"status"`
			} `json:"test_run"`
		}
		if err := json.Unmarshal([]byte(line), &msg); err != nil {
			t.Fatal(err)
		}
		if msg.Type == "test_run" && msg.TestRun.Progress == "complete" {
			got[msg.TestRun.Run] = msg.TestRun.Status
		}
	}
	want := map[string]string{
		"token_added_by_the_proxy":             "pass",
		"production_vault":                     "pass",
		"bad_environment_refused":              "pass",
		"api_listener_on_loopback_only":        "pass",
		"network_listener_serves_metrics_only": "pass",
		"api_listeners_require_request_header": "fail",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("run statuses (-want +got):\n%s\n%d runs", diff, len(got))
	}
}

// The outputs shown in docs/testing.md (run in examples/vptest) and in examples/vptest/README.md (run
// from the repository's root, an excerpt) are what `vaultproxy test -no-color` prints there.
func TestTestingDocOutputs(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ doc, dir, arg, start string }{
		{"docs/testing.md", "examples/vptest", "", "$ vaultproxy test\n"},
		{"examples/vptest/README.md", ".", "examples/vptest", "```\nexamples/vptest/tests/policy.vptest.hcl... in progress\n"},
	} {
		b, err := os.ReadFile(filepath.Join(root, c.doc))
		if err != nil {
			t.Fatal(err)
		}
		_, block, ok := strings.Cut(string(b), c.start)
		block, _, ok2 := strings.Cut(block, "```")
		if !ok || !ok2 {
			t.Fatalf("%s: no output block starting %q", c.doc, c.start)
		}
		block = strings.TrimPrefix(c.start, "```\n") + block
		if strings.HasPrefix(c.start, "$") {
			block = strings.TrimPrefix(block, c.start)
		}
		t.Chdir(filepath.Join(root, c.dir))
		args := []string{"test", "-no-color"}
		if c.arg != "" {
			args = append(args, c.arg)
		}
		var out bytes.Buffer
		run(args, &stdio{in: strings.NewReader(""), out: &out, err: &out}, mapEnv(nil))
		if !strings.Contains(out.String(), block) {
			t.Errorf("%s shows an output that `vaultproxy %s` in %s does not print:\n%s\nit prints:\n%s", c.doc, strings.Join(args, " "), c.dir, block, out.String())
		}
	}
}
