package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/fixtures"
)

// runCLI runs the command line in the current directory and returns stdout, stderr and the exit code.
func runCLI(args []string, env map[string]string) (string, string, int) {
	var out, errb bytes.Buffer
	code := run(args, &stdio{in: strings.NewReader(""), out: &out, err: &errb}, func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	return out.String(), errb.String(), code
}

// TestPlanGoldens runs each case of fixtures/plan through plan, plan -json and plan -out, and
// compares the outputs with its want/preview.txt and want/plan.json (-update rewrites them).
func TestPlanGoldens(t *testing.T) {
	for _, c := range fixtures.Load(t, "plan") {
		t.Run(strings.TrimPrefix(c.Name, "plan/"), func(t *testing.T) {
			t.Chdir(t.TempDir())
			var paths []string
			for _, f := range c.Files {
				if err := os.MkdirAll(filepath.Dir(f.Name), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(f.Name, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
				paths = append(paths, f.Name)
			}
			args := append(append([]string{"plan"}, c.Flags...), paths...)

			text, stderr, code := runCLI(args, c.Env)
			if code != exitOK || stderr != "" {
				t.Fatalf("plan exited %d, stderr:\n%s", code, stderr)
			}
			jsonArgs := append([]string{"plan", "-json"}, args[1:]...)
			doc, _, code := runCLI(jsonArgs, c.Env)
			if code != exitOK {
				t.Fatalf("plan -json exited %d", code)
			}
			outArgs := append([]string{"plan", "-out=saved.json"}, args[1:]...)
			text2, _, code := runCLI(outArgs, c.Env)
			saved, err := os.ReadFile("saved.json")
			if code != exitOK || err != nil {
				t.Fatalf("plan -out exited %d (%v)", code, err)
			}
			if text2 != text || string(saved) != doc {
				t.Errorf("plan -out printed or wrote something else than plan and plan -json")
			}

			// Secret values in the fixtures contain "s3cr3t": none may be printed.
			if strings.Contains(text+doc, "s3cr3t") {
				t.Errorf("plan prints a secret value")
			}
			c.Check(t, "preview.txt", []byte(text))
			c.Check(t, "plan.json", []byte(doc))
		})
	}
}

// TestPlanErrors checks that a configuration with errors gives exit 1, its diagnostics on stderr, and
// no plan: nothing on stdout, no -out file.
func TestPlanErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.WriteFile("bad.hcl", []byte("listener \"tcp\" {\n  address = \"127.0.0.1:8100\"\n  tls_disable = true\n}\ntelemetri {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"plan", "bad.hcl"},
		{"plan", "-json", "bad.hcl"},
		{"plan", "-out=plan.json", "bad.hcl"},
	} {
		out, errOut, code := runCLI(args, nil)
		if code != exitError || out != "" || !strings.Contains(errOut, "telemetri") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	if _, err := os.Stat("plan.json"); err == nil {
		t.Error("-out wrote a plan for a configuration with errors")
	}
}

func TestPlanUsage(t *testing.T) {
	for _, args := range [][]string{{"plan"}, {"plan", "-bogus", "x.hcl"}} {
		if _, _, code := runCLI(args, nil); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

// TestPlanJSONWarningsOnStderr checks that with -json, stdout holds only the document even when the
// configuration has warnings, which go to stderr.
func TestPlanJSONWarningsOnStderr(t *testing.T) {
	t.Chdir(t.TempDir())
	cfg := "vault {\n  namespace = \"org-a\"\n}\nlistener \"tcp\" {\n  address = \"127.0.0.1:8100\"\n  tls_disable = true\n}\n"
	if err := os.WriteFile("p.hcl", []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI([]string{"plan", "-json", "p.hcl"}, nil)
	if code != exitOK || !strings.HasPrefix(out, "{\n  \"format_version\": \""+compile.PlanFormatVersion+"\"") || !strings.Contains(errOut, "Warning: Configured namespace not applied") {
		t.Errorf("exit %d, stdout %.40q, stderr %q", code, out, errOut)
	}
}
