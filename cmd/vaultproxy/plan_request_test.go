package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vaultproxy/vaultproxy/fixtures"
)

// TestPlanRequestGoldens runs each request of each case of fixtures/request through plan -request
// and plan -request -json, and compares the outputs with want/requests.txt and want/requests.json
// (-update rewrites them).
func TestPlanRequestGoldens(t *testing.T) {
	for _, c := range fixtures.Load(t, "request") {
		t.Run(strings.TrimPrefix(c.Name, "request/"), func(t *testing.T) {
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
			if len(c.Requests) == 0 {
				t.Fatal("the case has no requests section")
			}
			var text, docs strings.Builder
			for _, flags := range c.Requests {
				args := append(append([]string{"plan"}, flags...), paths...)
				out, stderr, code := runCLI(args, c.Env)
				if code != exitOK || stderr != "" {
					t.Fatalf("plan %s exited %d, stderr:\n%s", strings.Join(flags, " "), code, stderr)
				}
				// With -json, warnings go to stderr (the text output shows them first).
				doc, stderr, code := runCLI(append([]string{"plan", "-json"}, args[1:]...), c.Env)
				if code != exitOK || strings.Contains(stderr, "Error") {
					t.Fatalf("plan -json %s exited %d, stderr:\n%s", strings.Join(flags, " "), code, stderr)
				}
				var obj map[string]any
				if err := json.Unmarshal([]byte(doc), &obj); err != nil {
					t.Fatalf("plan -json %s: not one JSON object: %v", strings.Join(flags, " "), err)
				}
				for _, k := range []string{"listener", "status", "token", "namespace", "headers", "cache", "retry", "reason"} {
					if _, ok := obj[k]; !ok {
						t.Errorf("plan -json %s: no %q field", strings.Join(flags, " "), k)
					}
				}
				if strings.Contains(out+doc, "s3cr3t") {
					t.Errorf("plan %s prints a secret value", strings.Join(flags, " "))
				}
				text.WriteString("$ vaultproxy plan " + quoted(flags) + "\n" + out + "\n")
				docs.WriteString("$ vaultproxy plan -json " + quoted(flags) + "\n" + doc + "\n")
			}
			c.Check(t, "requests.txt", []byte(text.String()))
			c.Check(t, "requests.json", []byte(docs.String()))
		})
	}
}

// TestPlanRequestUsage: a malformed -request, a -header or -listener without -request, -request
// with -out and an unknown -listener are usage errors (exit 2) that print nothing on stdout.
func TestPlanRequestUsage(t *testing.T) {
	t.Chdir(t.TempDir())
	cfg := "vault {\n  address = \"http://127.0.0.1:8200\"\n}\nlistener \"tcp\" {\n  address = \"127.0.0.1:8100\"\n  tls_disable = true\n}\n"
	if err := os.WriteFile("config.hcl", []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-request=GET"}, `-request "GET": want METHOD PATH`},
		{[]string{"-request=GET /v1/x", "-header=NoColon"}, `header "NoColon": want Name: value`},
		{[]string{"-header=A: b"}, "-header and -listener describe a -request"},
		{[]string{"-listener=127.0.0.1:8100"}, "-header and -listener describe a -request"},
		{[]string{"-request=GET /v1/x", "-out=plan.json"}, "cannot be used with -out"},
		{[]string{"-request=GET /v1/x", "-listener=127.0.0.1:9999"}, "-listener=127.0.0.1:9999: no such listener; the configuration's are 127.0.0.1:8100"},
	} {
		out, stderr, code := runCLI(append(append([]string{"plan"}, c.args...), "config.hcl"), nil)
		if code != exitUsage || out != "" || !strings.Contains(stderr, c.msg) {
			t.Errorf("plan %v: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, out, stderr, c.msg)
		}
	}
}

// quoted writes flags as the requests section does: a value with a space in single quotes.
func quoted(flags []string) string {
	out := make([]string, len(flags))
	for i, f := range flags {
		if name, value, ok := strings.Cut(f, "="); ok && strings.ContainsAny(value, " \t") {
			f = name + "='" + value + "'"
		}
		out[i] = f
	}
	return strings.Join(out, " ")
}
