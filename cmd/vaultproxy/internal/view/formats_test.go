package view

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/diagcode"
	"github.com/vaultproxy/vaultproxy/fixtures"
	"github.com/vaultproxy/vaultproxy/validate"
	"golang.org/x/tools/txtar"
)

// formatsGolden holds the configuration every machine format is checked on, and each format's
// output as a want/<format> section (go test -update rewrites them; each was read against the
// format's specification before it was accepted).
const formatsGolden = "testdata/formats.txtar"

// TestFormatsGolden renders one configuration (errors and warnings in an HCL and a JSON file, a
// non-ASCII value, and an error from the environment with no file) in every format but human.
func TestFormatsGolden(t *testing.T) {
	ar, err := txtar.ParseFile(formatsGolden)
	if err != nil {
		t.Fatal(err)
	}
	r := reportOf(t, ar)
	if len(r.Diagnostics) < 4 || !r.Diagnostics.HasErrors() {
		t.Fatalf("the golden configuration should give errors and warnings, got %s", r.Diagnostics)
	}
	changed := false
	for _, f := range Formats {
		if f == FormatHuman {
			continue
		}
		var b bytes.Buffer
		if err := WriteReport(&b, f, r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		section := "want/" + string(f)
		i := archiveFile(ar, section)
		if *fixtures.Update {
			if i < 0 {
				ar.Files = append(ar.Files, txtar.File{Name: section})
				i = len(ar.Files) - 1
			}
			ar.Files[i].Data = b.Bytes()
			changed = true
			continue
		}
		if i < 0 {
			t.Errorf("%s has no %s section (run with -update, then review it)", formatsGolden, section)
			continue
		}
		if diff := cmp.Diff(string(ar.Files[i].Data), b.String()); diff != "" {
			t.Errorf("%s: %s differs (-want +got):\n%s", formatsGolden, section, diff)
		}
	}
	if changed {
		if err := os.WriteFile(formatsGolden, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func archiveFile(ar *txtar.Archive, name string) int {
	for i, f := range ar.Files {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// reportOf compiles and validates the configuration files of ar (every file but env and want/…)
// as the CLI does, with the environment of its env section. Its rules are the codes of its
// diagnostics, not every code: the golden output then changes only when these do.
func reportOf(t *testing.T, ar *txtar.Archive) *Report {
	t.Helper()
	env := map[string]string{}
	var srcs []compile.Source
	sources := map[string][]byte{}
	for _, f := range ar.Files {
		switch {
		case strings.HasPrefix(f.Name, "want/"):
		case f.Name == "env":
			for _, line := range strings.Split(strings.TrimSpace(string(f.Data)), "\n") {
				if k, v, ok := strings.Cut(line, "="); ok {
					env[k] = v
				}
			}
		default:
			srcs = append(srcs, compile.Source{Name: f.Name, Bytes: f.Data})
			sources[f.Name] = f.Data
		}
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	return compiledReport(srcs, sources, lookup)
}

func compiledReport(srcs []compile.Source, sources map[string][]byte, env func(string) (string, bool)) *Report {
	plan, diags := compile.Compile(srcs, compile.Options{Env: env})
	diags = append(diags, validate.Plan(plan)...)
	compile.SortDiagnostics(diags)
	var rules []*diagcode.Code
	seen := map[*diagcode.Code]bool{}
	for _, d := range diags {
		if c := diagcode.Of(d); c != nil && !seen[c] {
			seen[c] = true
			rules = append(rules, c)
		}
	}
	return &Report{Diagnostics: diags, Sources: sources, Rules: rules, ToolVersion: "test"}
}

// fixtureReports is a report for every golden case of fixtures/ that compiles its files alone.
func fixtureReports(t *testing.T) map[string]*Report {
	out := map[string]*Report{}
	for _, dir := range []string{"cases", "compile", "validate", "cli"} {
		for _, c := range fixtures.Load(t, dir) {
			var srcs []compile.Source
			sources := map[string][]byte{}
			for _, f := range c.Files {
				srcs = append(srcs, compile.Source{Name: f.Name, Bytes: f.Data})
				sources[f.Name] = f.Data
			}
			out[c.Name] = compiledReport(srcs, sources, c.LookupEnv)
		}
	}
	return out
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats {
		if got, err := ParseFormat(string(f)); err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %q, %v", f, got, err)
		}
	}
	_, err := ParseFormat("xml")
	if err == nil || !strings.Contains(err.Error(), "human, json, sarif, github, junit, checkstyle, compact") {
		t.Errorf("ParseFormat(xml) error = %v, want one listing the formats", err)
	}
	if err := WriteReport(&bytes.Buffer{}, FormatHuman, &Report{}); err == nil {
		t.Error("WriteReport(human) succeeded; the human output is printed by the caller")
	}
}

func TestCompactLine(t *testing.T) {
	tests := []struct {
		name string
		d    *Diagnostic
		want string
	}{
		{"full", &Diagnostic{Severity: "error", Summary: "Unsupported argument", Detail: "An argument named \"bogus\"\nis not expected here.", Code: "unsupported_argument", Range: drange("a.hcl", 6, 3, 90, 6, 8, 95)},
			`a.hcl:6:3: error: Unsupported argument: An argument named "bogus" is not expected here. [unsupported_argument]`},
		{"no range", &Diagnostic{Severity: "warning", Summary: "S", Detail: "D", Code: "c"}, `warning: S: D [c]`},
		{"no detail, no code", &Diagnostic{Severity: "error", Summary: "S", Range: drange("d/b.hcl", 1, 1, 0, 1, 2, 1)}, `d/b.hcl:1:1: error: S`},
	}
	for _, tt := range tests {
		if got := CompactLine(tt.d); got != tt.want {
			t.Errorf("%s: CompactLine = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestGitHubCommand(t *testing.T) {
	tests := []struct {
		name string
		d    *Diagnostic
		want string
	}{
		{"one line: columns, endColumn inclusive",
			&Diagnostic{Severity: "error", Summary: "Unsupported argument", Detail: "x", Code: "unsupported_argument", Range: drange("a.hcl", 6, 3, 90, 6, 8, 95)},
			`::error file=a.hcl,line=6,col=3,endLine=6,endColumn=7,title=unsupported_argument::Unsupported argument: x`},
		{"several lines: no columns",
			&Diagnostic{Severity: "warning", Summary: "S", Code: "c", Range: drange("a.hcl", 2, 5, 10, 4, 2, 40)},
			`::warning file=a.hcl,line=2,endLine=4,title=c::S`},
		{"escapes: data keeps : and , ; properties escape them",
			&Diagnostic{Severity: "error", Summary: "100% wrong, really: yes", Detail: "line one\r\nline two", Code: "c", Range: drange("dir,1/a:b%.hcl", 1, 1, 0, 1, 2, 1)},
			`::error file=dir%2C1/a%3Ab%25.hcl,line=1,col=1,endLine=1,endColumn=1,title=c::100%25 wrong, really: yes: line one%0D%0Aline two`},
		{"no range, no code", &Diagnostic{Severity: "unknown", Summary: "S"}, `::warning::S`},
	}
	for _, tt := range tests {
		if got := GitHubCommand(tt.d); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestUTF16Column(t *testing.T) {
	src := []byte("a = 1\nb = \"é😀\" x\n")
	// On line 2, "x" is byte 19 (é is 2 bytes, 😀 4), grapheme column 10, and UTF-16 column 11:
	// 😀 is two code units.
	tests := []struct {
		src  []byte
		p    Pos
		want int
	}{
		{src, Pos{Line: 2, Column: 10, Byte: 19}, 11},
		{src, Pos{Line: 1, Column: 1, Byte: 0}, 1},
		{src, Pos{Line: 3, Column: 1, Byte: len(src)}, 1},
		{nil, Pos{Line: 2, Column: 10, Byte: 19}, 10},
		{src, Pos{Line: 9, Column: 4, Byte: len(src) + 1}, 4},
	}
	for _, tt := range tests {
		if got := utf16Column(tt.src, tt.p); got != tt.want {
			t.Errorf("utf16Column(%+v) = %d, want %d", tt.p, got, tt.want)
		}
	}
}

func TestArtifactURI(t *testing.T) {
	for name, want := range map[string]string{
		"a.hcl":            "a.hcl",
		"conf/proxy 1.hcl": "conf/proxy%201.hcl",
		"/etc/vault/p.hcl": "file:///etc/vault/p.hcl",
		compile.StdinName:  "%3Cstdin%3E",
		"dir/50%.hcl":      "dir/50%25.hcl",
	} {
		if got := artifactURI(name); got != want {
			t.Errorf("artifactURI(%q) = %q, want %q", name, got, want)
		}
	}
}
