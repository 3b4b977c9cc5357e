package main

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/view"
	"github.com/vaultproxy/vaultproxy/diagcode"
	"github.com/vaultproxy/vaultproxy/fixtures"
)

// inputCase is a diagnostic that a golden archive cannot hold, because it comes from what the
// command line names rather than from a file's content: the files it writes, the arguments and the
// code its `validate -json` must carry.
type inputCase struct {
	name  string
	files map[string]string // written into the case's directory; "dir/" makes an empty directory
	args  []string
	code  string
}

var inputCases = []inputCase{
	{"a path that does not exist", nil, []string{"missing.hcl"}, "unreadable_input"},
	{"a directory without configuration files", map[string]string{"empty/": "", "empty/notes.txt": "x"}, []string{"empty"}, "no_configuration_files"},
	{"a flag value its setting does not take", map[string]string{"proxy.hcl": validConfig}, []string{"-log-level=verbose", "proxy.hcl"}, "unsupported_value"},
	{"a flag value that is not a Vault address", map[string]string{"proxy.hcl": validConfig}, []string{"-address=vault.example.test:8200", "proxy.hcl"}, "invalid_vault_address"},
	{"a plan file of a later major version", map[string]string{"future.json": `{"format_version": "9.0"}`}, []string{"future.json"}, "invalid_plan_file"},
}

// TestDiagnosticCodes keeps codes and fixtures in step. Every golden case of fixtures/ goes through
// the CLI's loader (those of fixtures/test through `test -json`), and every input case through
// `validate -json`: each diagnostic must carry a
// registered code, and every registered code (diagcode.All: compile's and validate's) must come out
// of at least one of them, so that no code is dead and none is declared without a case that shows it.
func TestDiagnosticCodes(t *testing.T) {
	t.Chdir(t.TempDir())
	produced := map[string]int{}
	for _, dir := range []string{"cases", "compile", "validate", "planfile"} {
		for _, c := range fixtures.Load(t, dir) {
			caseDir := filepath.FromSlash(c.Name)
			var paths []string
			for _, f := range c.Files {
				writeFiles(t, caseDir, map[string]string{f.Name: string(f.Data)})
				paths = append(paths, filepath.Join(caseDir, f.Name))
			}
			for _, d := range loadPaths(paths, strings.NewReader(""), nil, c.LookupEnv).diags {
				code := diagcode.Of(d)
				if code == nil || diagcode.Lookup(code.Name) != code {
					t.Errorf("%s: a diagnostic without a registered code: %s", c.Name, fixtures.DiagnosticLine(d))
					continue
				}
				produced[code.Name]++
			}
		}
	}
	// The test runner's own codes come out of `vaultproxy test -json` over fixtures/test.
	for _, c := range fixtures.Load(t, "test") {
		caseDir := filepath.FromSlash(c.Name)
		for _, f := range c.Files {
			writeFiles(t, caseDir, map[string]string{f.Name: string(f.Data)})
		}
		r := runValidate(t, "", c.Env, append([]string{"test", "-json"}, append(c.Flags, caseDir)...)...)
		for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			var msg struct {
				Type       string          `json:"type"`
				Diagnostic view.Diagnostic `json:"diagnostic"`
			}
			if err := json.Unmarshal([]byte(line), &msg); err != nil {
				t.Fatalf("%s: %v in %q", c.Name, err, line)
			}
			if msg.Type != "diagnostic" {
				continue
			}
			if code := diagcode.Lookup(msg.Diagnostic.Code); code == nil {
				t.Errorf("%s: a diagnostic without a registered code: %+v", c.Name, msg.Diagnostic)
				continue
			}
			produced[msg.Diagnostic.Code]++
		}
	}
	for i, in := range inputCases {
		t.Run(in.name, func(t *testing.T) {
			dir := filepath.Join("inputs", strings.Repeat("x", i+1))
			for name, content := range in.files {
				if strings.HasSuffix(name, "/") {
					if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
						t.Fatal(err)
					}
					continue
				}
				writeFiles(t, dir, map[string]string{name: content})
			}
			args := []string{"validate", "-json"}
			for _, a := range in.args {
				if !strings.HasPrefix(a, "-") {
					a = filepath.Join(dir, a)
				}
				args = append(args, a)
			}
			r := runValidate(t, "", nil, args...)
			var doc view.ValidateOutput
			if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
				t.Fatalf("vaultproxy %s: %v\n%s%s", r.args, err, r.stdout, r.stderr)
			}
			var codes []string
			for _, d := range doc.Diagnostics {
				codes = append(codes, d.Code)
				produced[d.Code]++
			}
			if len(codes) != 1 || codes[0] != in.code || doc.Valid || r.code != exitError {
				t.Errorf("vaultproxy %s: exit %d, codes %q, want exit %d and the one code %q\n%s", r.args, r.code, codes, exitError, in.code, r.stdout)
			}
		})
	}
	for _, c := range diagcode.All() {
		if produced[c.Name] == 0 {
			t.Errorf("no golden case or input case produces the code %s (%s): add a case under fixtures/, or remove the code", c.Name, c.Description)
		}
	}
	for _, name := range []string{"unsupported_argument", "duplicate_listener_address"} {
		if diagcode.Lookup(name) == nil {
			t.Errorf("the code %s is not registered: are compile's and validate's codes linked?", name)
		}
	}
}

// TestDiagnosticLiteralsHaveCodes reads the source of the packages that make diagnostics (compile,
// validate, this CLI and its test runner) and fails on an hcl.Diagnostic written without its Extra, the field that
// carries the code: a diagnostic no golden case reaches yet must have its code all the same.
func TestDiagnosticLiteralsHaveCodes(t *testing.T) {
	literals := 0
	for _, dir := range []string{"compile", "validate", filepath.Join("cmd", "vaultproxy"), filepath.Join("cmd", "vaultproxy", "internal", "testrun")} {
		files, err := filepath.Glob(filepath.Join("..", "..", dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s: %v", dir, err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.CompositeLit)
				if !ok || !isDiagnosticLiteral(lit) {
					return true
				}
				literals++
				for _, e := range lit.Elts {
					if kv, ok := e.(*ast.KeyValueExpr); ok {
						if id, ok := kv.Key.(*ast.Ident); ok && id.Name == "Extra" {
							return true
						}
					}
				}
				t.Errorf("%s: an hcl.Diagnostic without Extra, its code", fset.Position(lit.Pos()))
				return true
			})
		}
	}
	if literals < 30 {
		t.Errorf("only %d hcl.Diagnostic literals found: is the walk reading the right files?", literals)
	}
}

// isDiagnosticLiteral reports an hcl.Diagnostic{...} literal, or an element of hcl.Diagnostics{{...}}
// whose type is left out.
func isDiagnosticLiteral(lit *ast.CompositeLit) bool {
	if sel, ok := lit.Type.(*ast.SelectorExpr); ok {
		if x, ok := sel.X.(*ast.Ident); ok && x.Name == "hcl" && sel.Sel.Name == "Diagnostic" {
			return true
		}
	}
	if lit.Type != nil {
		return false
	}
	for _, e := range lit.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == "Severity" {
				return true
			}
		}
	}
	return false
}
