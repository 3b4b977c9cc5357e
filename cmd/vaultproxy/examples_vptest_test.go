package main

import (
	"encoding/json"
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
