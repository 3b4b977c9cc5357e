package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStdinNamedTwice checks that naming "-" (standard input) more than once is a usage error in
// every command that reads a configuration: the second read would find standard input empty.
func TestStdinNamedTwice(t *testing.T) {
	for _, args := range [][]string{
		{"validate", "-", "-"},
		{"validate", "-config=-", "-"},
		{"validate", "-config", "-", "-config", "-"},
		{"plan", "-", "-"},
		{"plan", "-json", "-config=-", "-"},
		{"run", "-", "-"},
	} {
		r := runValidate(t, validConfig, nil, args...)
		r.wantCode(t, exitUsage)
		if !strings.Contains(r.stderr, "- (standard input) is named 2 times") || r.stdout != "" {
			t.Errorf("vaultproxy %s: stdout %q, stderr %q", r.args, r.stdout, r.stderr)
		}
	}
	// Once is fine.
	r := runValidate(t, validConfig, nil, "validate", "-")
	r.wantCode(t, exitOK)
}

// TestUsageText checks the flag lists of the commands: Go's flag package takes back-quoted text in a
// flag's usage as the name of its value, so a usage that quotes a command that way prints
// "-json terraform validate -json".
func TestUsageText(t *testing.T) {
	for _, cmd := range []string{"validate", "plan", "run"} {
		r := runValidate(t, "", nil, cmd, "-h")
		if !strings.Contains(r.stderr, "Usage: vaultproxy "+cmd) {
			t.Fatalf("%s -h: stderr %q", cmd, r.stderr)
		}
		for _, line := range strings.Split(r.stderr, "\n") {
			// A flag line is "  -name" or "  -name placeholder"; a placeholder is one word.
			if !strings.HasPrefix(line, "  -") {
				continue
			}
			if fields := strings.Fields(line); len(fields) > 2 {
				t.Errorf("%s -h: flag line %q has a placeholder of several words", cmd, line)
			}
		}
	}
	r := runValidate(t, "", nil, "validate", "-h")
	if !strings.Contains(r.stderr, "  -json\n") {
		t.Errorf("validate -h: no plain -json flag line:\n%s", r.stderr)
	}
	r = runValidate(t, "", nil, "plan", "-h")
	if !strings.Contains(r.stderr, "  -out file\n") {
		t.Errorf("plan -h: -out has lost its placeholder:\n%s", r.stderr)
	}
}

// TestPlanFileInValidateAndPlan checks that validate and plan read a plan file written by
// `plan -out` as run does (isPlanFile): validate checks the decoded plan with the cross-block rules,
// plan shows it as it showed the configuration.
func TestPlanFileInValidateAndPlan(t *testing.T) {
	t.Chdir(t.TempDir())
	// A namespace that never reaches proxied requests: a warning from a cross-block rule.
	cfg := "vault {\n  namespace = \"org-a\"\n}\nlistener \"tcp\" {\n  address = \"127.0.0.1:8100\"\n  tls_disable = true\n}\n"
	if err := os.WriteFile("p.hcl", []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runCLI([]string{"plan", "-out=plan.json", "p.hcl"}, nil); code != exitOK {
		t.Fatalf("plan -out: exit %d, %s", code, errOut)
	}

	out, errOut, code := runCLI([]string{"validate", "-no-color", "plan.json"}, nil)
	if code != exitOK || errOut != "" || !strings.Contains(out, "Warning: Configured namespace not applied") ||
		!strings.Contains(out, "Success! The configuration is valid, but there were some validation warnings") {
		t.Errorf("validate plan.json: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	out, _, code = runCLI([]string{"validate", "-json", "plan.json"}, nil)
	if code != exitOK || !strings.Contains(out, `"valid": true`) || !strings.Contains(out, `"warning_count": 1`) {
		t.Errorf("validate -json plan.json: exit %d, %s", code, out)
	}

	// The preview is the same; the warning above it shows no source line, which the plan does not keep.
	preview := func(out string) string { return out[strings.Index(out, "Configuration: "):] }
	fromConfig, _, _ := runCLI([]string{"plan", "-no-color", "p.hcl"}, nil)
	fromPlan, _, code := runCLI([]string{"plan", "-no-color", "plan.json"}, nil)
	if code != exitOK || !strings.Contains(fromPlan, "Warning: Configured namespace not applied") ||
		preview(fromPlan) != preview(fromConfig) {
		t.Errorf("plan plan.json: exit %d, preview differs from the configuration's:\n%s\nwant:\n%s", code, fromPlan, fromConfig)
	}
	written, err := os.ReadFile("plan.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, _, code := runCLI([]string{"plan", "-json", "plan.json"}, nil)
	if code != exitOK || doc != string(written) {
		t.Errorf("plan -json plan.json: exit %d, the document differs from the plan file:\n%s", code, doc)
	}

	// A plan file that cannot be decoded is an error at its line in the plan file, not ~45 configuration
	// errors.
	if err := os.WriteFile("future.json", []byte(`{"format_version": "9.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"validate", "plan"} {
		_, errOut, code := runCLI([]string{cmd, "-no-color", "future.json"}, nil)
		if code != exitError || !strings.Contains(errOut, "Error: Unsupported plan format") || !strings.Contains(errOut, "future.json line 1") ||
			strings.Count(errOut, "Error:") != 1 {
			t.Errorf("%s future.json: exit %d, stderr %q", cmd, code, errOut)
		}
	}
	// A plan file among configuration files (or in a configuration directory, or on stdin), or with a
	// flag that would override it, is one usage error, not a configuration's dozens of errors or a
	// flag silently ignored.
	if err := os.MkdirAll("conf.d", 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{"conf.d/p.hcl": []byte(cfg), "conf.d/plan.json": written} {
		if err := os.WriteFile(name, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{"plan.json", "p.hcl"}, "", "plan.json is a plan file (written by 'vaultproxy plan -out'), which must be given alone"},
		{[]string{"p.hcl", "-config=plan.json"}, "", "plan.json is a plan file (written by 'vaultproxy plan -out'), which must be given alone"},
		{[]string{"conf.d"}, "", filepath.Join("conf.d", "plan.json") + " is a plan file"},
		{[]string{"p.hcl", "-"}, string(written), "<stdin> is a plan file"},
		{[]string{"-namespace=org-b", "-log-level=debug", "plan.json"}, "", "-log-level, -namespace does not apply to a plan file: plan.json holds the settings"},
		{[]string{"-address=https://other.example.test", "-"}, string(written), "-address does not apply to a plan file: <stdin> holds"},
	} {
		for _, cmd := range []string{"validate", "plan", "run"} {
			args := append([]string{cmd, "-no-color"}, tc.args...)
			var outb, errb bytes.Buffer
			code := run(args, &stdio{in: strings.NewReader(tc.stdin), out: &outb, err: &errb}, func(string) (string, bool) { return "", false })
			out, errOut := outb.String(), errb.String()
			if code != exitUsage || out != "" || !strings.HasPrefix(errOut, "vaultproxy "+cmd+": ") || !strings.Contains(errOut, tc.want) ||
				strings.Count(errOut, "\n") != 1 {
				t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d and one line containing %q", args, code, out, errOut, exitUsage, tc.want)
			}
		}
	}
}

// TestPlanFileEnvNotApplied: an environment variable that would override a setting is not applied to a
// plan file, and validate says so with a warning naming it, rather than passing it over in silence.
func TestPlanFileEnvNotApplied(t *testing.T) {
	t.Chdir(t.TempDir())
	cfg := "vault {\n  address = \"https://vault.example.test:8200\"\n}\nlistener \"tcp\" {\n  address = \"127.0.0.1:8100\"\n  tls_disable = true\n}\n"
	if err := os.WriteFile("p.hcl", []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runCLI([]string{"plan", "-out=p.json", "p.hcl"}, nil); code != exitOK {
		t.Fatalf("plan -out: exit %d: %s", code, errOut)
	}
	env := func(k string) (string, bool) {
		if k == "VAULT_ADDR" || k == "VAULT_NAMESPACE" || k == "HOME" {
			return "x", true
		}
		return "", false
	}
	var outb, errb bytes.Buffer
	code := run([]string{"validate", "-json", "p.json"}, &stdio{in: strings.NewReader(""), out: &outb, err: &errb}, env)
	out := outb.String()
	if code != exitOK || !strings.Contains(out, `"code": "plan_file_env_ignored"`) ||
		!strings.Contains(out, "VAULT_NAMESPACE, VAULT_ADDR is set") && !strings.Contains(out, "VAULT_ADDR, VAULT_NAMESPACE is set") {
		t.Errorf("validate p.json with VAULT_ADDR and VAULT_NAMESPACE set: exit %d\n%s%s", code, out, errb.String())
	}
	outb.Reset()
	if code := run([]string{"validate", "-json", "p.json"}, &stdio{in: strings.NewReader(""), out: &outb, err: &errb}, func(string) (string, bool) { return "", false }); code != exitOK ||
		strings.Contains(outb.String(), "plan_file_env_ignored") {
		t.Errorf("validate p.json without those variables: exit %d\n%s", code, outb.String())
	}
}

// TestPlanFileRecognisedByContent: a plan file is one by its content, whatever it is called and
// wherever it comes from (plan -out=proxy.plan, standard input), and a damaged one gets the plan
// file's own diagnostic, not a configuration's dozens.
func TestPlanFileRecognisedByContent(t *testing.T) {
	t.Chdir(t.TempDir())
	cfg := "listener \"tcp\" {\n  address = \"127.0.0.1:8100\"\n  tls_disable = true\n}\n"
	if err := os.WriteFile("p.hcl", []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runCLI([]string{"plan", "-out=proxy.plan", "p.hcl"}, nil); code != exitOK {
		t.Fatalf("plan -out=proxy.plan: exit %d, %s", code, errOut)
	}
	written, err := os.ReadFile("proxy.plan")
	if err != nil {
		t.Fatal(err)
	}
	if doc, errOut, code := runCLI([]string{"plan", "-json", "proxy.plan"}, nil); code != exitOK || doc != string(written) {
		t.Errorf("plan -json proxy.plan: exit %d, stderr %q, the document differs from the plan file:\n%s", code, errOut, doc)
	}
	var out, errb bytes.Buffer
	code := run([]string{"plan", "-json", "-"}, &stdio{in: bytes.NewReader(written), out: &out, err: &errb},
		func(string) (string, bool) { return "", false })
	if code != exitOK || out.String() != string(written) {
		t.Errorf("plan -json - (the plan file on stdin): exit %d, stderr %q, stdout:\n%s", code, errb.String(), out.String())
	}
	// Cut short: one syntax error in the plan file, at its end.
	cut := written[:len(written)/2]
	if err := os.WriteFile("cut.plan", cut, 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runCLI([]string{"validate", "-no-color", "cut.plan"}, nil)
	if code != exitError || strings.Contains(errOut, "Unsupported argument") || !strings.Contains(errOut, "Unclosed object") ||
		strings.Count(errOut, "Error:") != strings.Count(errOut, "on cut.plan line") {
		t.Errorf("validate cut.plan: exit %d, want the plan file's syntax errors, each at its line; stderr:\n%s", code, errOut)
	}
	// A configuration in HCL's JSON syntax on stdin is still a configuration.
	out.Reset()
	errb.Reset()
	code = run([]string{"validate", "-no-color", "-"}, &stdio{in: strings.NewReader(`{"listener": {"tcp": {"address": "127.0.0.1:8100", "tls_disable": true}}}`), out: &out, err: &errb},
		func(string) (string, bool) { return "", false })
	if code != exitOK {
		t.Errorf("validate - (JSON configuration): exit %d, stderr %q", code, errb.String())
	}
}
