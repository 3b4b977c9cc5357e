package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"
)

// The -update flag rewrites the want sections of fixtures/plan/*.txtar. Another test file or an
// imported package may define it too; the tests then share it.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the want sections of the golden fixtures")
	}
}

func updating() bool {
	g, ok := flag.Lookup("update").Value.(flag.Getter)
	if !ok {
		return false
	}
	b, _ := g.Get().(bool)
	return b
}

const planFixtures = "../../fixtures/plan"

// planCase is one golden case of `vaultproxy plan`: configuration files, an environment, flags, and the
// expected preview (stdout of `plan`, diagnostics included) and JSON plan (stdout of `plan -json`).
type planCase struct {
	path  string
	ar    *txtar.Archive
	files []txtar.File
	env   map[string]string
	flags []string
}

func loadPlanCases(t *testing.T) []*planCase {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(planFixtures, "*.txtar"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no golden case under %s (%v)", planFixtures, err)
	}
	var out []*planCase
	for _, n := range names {
		ar, err := txtar.ParseFile(n)
		if err != nil {
			t.Fatal(err)
		}
		c := &planCase{path: n, ar: ar, env: map[string]string{}}
		for _, f := range ar.Files {
			switch {
			case f.Name == "env":
				for _, line := range strings.Split(string(f.Data), "\n") {
					if line = strings.TrimSpace(line); line != "" {
						k, v, _ := strings.Cut(line, "=")
						c.env[k] = v
					}
				}
			case f.Name == "flags":
				c.flags = strings.Fields(string(f.Data))
			case strings.HasPrefix(f.Name, "want/"):
			default:
				c.files = append(c.files, f)
			}
		}
		out = append(out, c)
	}
	return out
}

func (c *planCase) want(name string) string {
	for _, f := range c.ar.Files {
		if f.Name == "want/"+name {
			return string(f.Data)
		}
	}
	return ""
}

func (c *planCase) setWant(name, data string) {
	for i, f := range c.ar.Files {
		if f.Name == "want/"+name {
			c.ar.Files[i].Data = []byte(data)
			return
		}
	}
	c.ar.Files = append(c.ar.Files, txtar.File{Name: "want/" + name, Data: []byte(data)})
}

// runCLI runs the command line in the current directory and returns stdout, stderr and the exit code.
func runCLI(args []string, env map[string]string) (string, string, int) {
	var out, errb bytes.Buffer
	code := run(args, &stdio{in: strings.NewReader(""), out: &out, err: &errb}, func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	return out.String(), errb.String(), code
}

func TestPlanGoldens(t *testing.T) {
	for _, c := range loadPlanCases(t) {
		t.Run(strings.TrimSuffix(filepath.Base(c.path), ".txtar"), func(t *testing.T) {
			abs, err := filepath.Abs(c.path)
			if err != nil {
				t.Fatal(err)
			}
			t.Chdir(t.TempDir())
			var paths []string
			for _, f := range c.files {
				if err := os.MkdirAll(filepath.Dir(f.Name), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(f.Name, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
				paths = append(paths, f.Name)
			}
			args := append(append([]string{"plan"}, c.flags...), paths...)

			text, stderr, code := runCLI(args, c.env)
			if code != exitOK || stderr != "" {
				t.Fatalf("plan exited %d, stderr:\n%s", code, stderr)
			}
			jsonArgs := append([]string{"plan", "-json"}, args[1:]...)
			doc, _, code := runCLI(jsonArgs, c.env)
			if code != exitOK {
				t.Fatalf("plan -json exited %d", code)
			}
			outArgs := append([]string{"plan", "-out=saved.json"}, args[1:]...)
			text2, _, code := runCLI(outArgs, c.env)
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

			if updating() {
				c.setWant("preview.txt", text)
				c.setWant("plan.json", doc)
				if err := os.WriteFile(abs, txtar.Format(c.ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if d := cmp.Diff(c.want("preview.txt"), text); d != "" {
				t.Errorf("preview (-want +got):\n%s", d)
			}
			if d := cmp.Diff(c.want("plan.json"), doc); d != "" {
				t.Errorf("plan.json (-want +got):\n%s", d)
			}
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
	if code != exitOK || !strings.HasPrefix(out, "{\n  \"format_version\": \"1.0\"") || !strings.Contains(errOut, "Warning: Configured namespace not applied") {
		t.Errorf("exit %d, stdout %.40q, stderr %q", code, out, errOut)
	}
}
