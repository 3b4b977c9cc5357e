package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/vaultproxy/vaultproxy/fixtures"
)

// TestDiffGoldens runs diff and diff -json over the old/ and new/ directories of each case of
// fixtures/diff, and compares output and exit code with want/diff.txt and want/diff.json (-update
// rewrites them). The exit code must say whether the JSON document says something changed.
func TestDiffGoldens(t *testing.T) {
	for _, c := range fixtures.Load(t, "diff") {
		t.Run(strings.TrimPrefix(c.Name, "diff/"), func(t *testing.T) {
			writeCase(t, c)
			out, stderr, code := runCLI([]string{"diff", "old", "new"}, c.Env)
			if stderr != "" || code > exitDiffers {
				t.Fatalf("diff exited %d, stderr:\n%s", code, stderr)
			}
			doc, stderr, jcode := runCLI([]string{"diff", "-json", "old", "new"}, c.Env)
			if stderr != "" || jcode != code {
				t.Fatalf("diff -json exited %d (text %d), stderr:\n%s", jcode, code, stderr)
			}
			var obj struct {
				Changed                    bool
				Blocks, Settings, Requests []json.RawMessage
			}
			if err := json.Unmarshal([]byte(doc), &obj); err != nil {
				t.Fatalf("diff -json: not one JSON object: %v", err)
			}
			if obj.Changed != (code == exitDiffers) || obj.Blocks == nil || obj.Settings == nil || obj.Requests == nil {
				t.Errorf("diff -json: changed %v, exit %d; blocks, settings and requests must be arrays", obj.Changed, code)
			}
			c.Check(t, "diff.txt", []byte(fmt.Sprintf("$ vaultproxy diff old new\n%sexit %d\n", out, code)))
			c.Check(t, "diff.json", []byte(fmt.Sprintf("$ vaultproxy diff -json old new\n%sexit %d\n", doc, jcode)))
		})
	}
}

// TestDiffPlanFile: a plan file written by plan -out has the same effect as its configuration
// (exit 0, either way round), and differs from another configuration as that configuration does.
func TestDiffPlanFile(t *testing.T) {
	var c *fixtures.Case
	for _, fc := range fixtures.Load(t, "diff") {
		if fc.Name == "diff/require-request-header" {
			c = fc
		}
	}
	writeCase(t, c)
	if _, stderr, code := runCLI([]string{"plan", "-out=old.plan", "old"}, nil); code != exitOK {
		t.Fatalf("plan -out exited %d: %s", code, stderr)
	}
	for _, args := range [][]string{{"old", "old.plan"}, {"old.plan", "old/config.hcl"}} {
		out, stderr, code := runCLI(append([]string{"diff"}, args...), nil)
		if code != exitSame || stderr != "" || !strings.HasPrefix(out, "No changes.") {
			t.Errorf("diff %s: exit %d, stdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, stderr)
		}
	}
	fromConfig, _, code1 := runCLI([]string{"diff", "-json", "old", "new"}, nil)
	fromPlan, _, code2 := runCLI([]string{"diff", "-json", "old.plan", "new"}, nil)
	if code1 != exitDiffers || code2 != exitDiffers {
		t.Fatalf("diff old new exited %d, diff old.plan new %d; want both %d", code1, code2, exitDiffers)
	}
	if want := strings.Replace(fromConfig, `"old": "old"`, `"old": "old.plan"`, 1); fromPlan != want {
		t.Errorf("diff -json old.plan new:\n%s\nwant, as from the configuration:\n%s", fromPlan, want)
	}
}

// TestDiffUsage: a wrong command line, and a side that does not compile, exit 2 with nothing on
// stdout; the compile errors are printed on stderr.
func TestDiffUsage(t *testing.T) {
	t.Chdir(t.TempDir())
	good := "vault {\n  address = \"http://127.0.0.1:8200\"\n}\n"
	bad := "vault {\n  address = \"http://127.0.0.1:8200\"\n  adress = \"x\"\n}\n"
	for name, data := range map[string]string{"good.hcl": good, "bad.hcl": bad} {
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"good.hcl"}, "want two paths, OLD and NEW; got 1"},
		{[]string{"good.hcl", "good.hcl", "good.hcl"}, "got 3"},
		{[]string{"-", "-"}, "named twice"},
		{[]string{"-nope", "good.hcl", "good.hcl"}, "flag provided but not defined"},
		{[]string{"-address=http://x", "good.hcl", "good.hcl"}, "flag provided but not defined"},
		{[]string{"good.hcl", "missing.hcl"}, "missing.hcl does not compile"},
		{[]string{"good.hcl", "bad.hcl"}, `bad.hcl does not compile`},
		{[]string{"bad.hcl", "good.hcl"}, `Unsupported argument`},
	} {
		out, stderr, code := runCLI(append([]string{"diff"}, c.args...), nil)
		if code != exitTrouble || out != "" || !strings.Contains(stderr, c.msg) {
			t.Errorf("diff %s: exit %d, stdout %q, stderr:\n%s\nwant exit %d and %q", strings.Join(c.args, " "), code, out, stderr, exitTrouble, c.msg)
		}
	}
}
