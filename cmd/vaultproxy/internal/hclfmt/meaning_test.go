package hclfmt

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/diagcode"
	"github.com/vaultproxy/vaultproxy/fixtures"
	"github.com/vaultproxy/vaultproxy/validate"
)

// position matches a source position as plans and diagnostics write it: hcl.Range.String()'s
// "NAME:LINE,COL-COL" or "NAME:LINE,COL-LINE,COL", after the file name.
var position = regexp.MustCompile(`:\d+,\d+-(\d+,)?\d+`)

// meaning is what a configuration file compiles to, with every source position taken out: the
// plan's JSON document, and each diagnostic's severity, code, file, summary and detail.
func meaning(t testing.TB, name string, src []byte) string {
	t.Helper()
	return meaningOf(t, name, src, false)
}

// planMeaning is meaning with only the errors among the diagnostics, by code and summary: a file
// rewritten from HCL 1 loses its hcl1_form warnings, and the warnings that quote the text of a value
// written another way (a tolerated form), but not its plan or its errors.
func planMeaning(t testing.TB, name string, src []byte) string {
	t.Helper()
	return meaningOf(t, name, src, true)
}

func meaningOf(t testing.TB, name string, src []byte, errorsOnly bool) string {
	t.Helper()
	plan, diags := compile.Compile([]compile.Source{{Name: name, Bytes: src}}, compile.Options{})
	if plan != nil {
		diags = append(diags, validate.Plan(plan)...)
	}
	compile.SortDiagnostics(diags)
	doc, err := json.MarshalIndent(plan, "", " ")
	if err != nil {
		t.Fatalf("%s: the plan does not marshal: %v", name, err)
	}
	var b strings.Builder
	b.Write(doc)
	for _, d := range diags {
		if diagcode.Name(d) == heredocWarning {
			continue // fmt writes the heredoc as a quoted string (quoteHeredocs); checkFormat checks it
		}
		if errorsOnly {
			if d.Severity == hcl.DiagError {
				b.WriteString("\nerror [" + diagcode.Name(d) + "] " + d.Summary)
			}
			continue
		}
		file := ""
		if d.Subject != nil {
			file = d.Subject.Filename
		}
		b.WriteString("\n" + severity(d.Severity) + " [" + diagcode.Name(d) + "] " + file + ": " + d.Summary + "; " + d.Detail)
	}
	return position.ReplaceAllString(b.String(), ":POS")
}

// heredocWarning is the code of compile's warning for a heredoc that HCL 1 reads differently, which
// fmt removes by writing the heredoc as a quoted string of HCL 1's value.
const heredocWarning = "heredoc_read_differently"

// heredocWarnings counts the heredoc_read_differently warnings of src.
func heredocWarnings(src []byte, name string) int {
	_, diags := compile.Compile([]compile.Source{{Name: name, Bytes: src}}, compile.Options{})
	n := 0
	for _, d := range diags {
		if diagcode.Name(d) == heredocWarning {
			n++
		}
	}
	return n
}

func severity(s hcl.DiagnosticSeverity) string {
	if s == hcl.DiagError {
		return "error"
	}
	return "warning"
}

// checkFormat formats src and checks the promise of the package: the result parses, compiles to
// the same plan and diagnostics apart from positions, and is its own format. A file that only HCL 1
// reads is rewritten into HCL 2, which must compile to the same plan and errors (planMeaning). It
// returns false when src does not parse with hcl/v2 (only the rewrite from HCL 1 is promised then).
func checkFormat(t testing.TB, name string, src []byte) bool {
	t.Helper()
	if _, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos); diags.HasErrors() {
		checkHCL1Rewrite(t, name, src)
		return false
	}
	out, diags, err := Source(src, name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if diags.HasErrors() {
		if !bytes.Equal(out, src) {
			t.Errorf("%s: a file that does not parse came back changed", name)
		}
		return false
	}
	if _, diags := hclsyntax.ParseConfig(out, name, hcl.InitialPos); diags.HasErrors() {
		t.Fatalf("%s: the formatted file does not parse: %s\n--- original\n%s\n--- formatted\n%s", name, diags, src, out)
	}
	if n := heredocWarnings(out, name); n > 0 {
		t.Errorf("%s: the formatted file still has %d heredocs that HCL 1 reads differently:\n%s", name, n, out)
	}
	if diff := cmp.Diff(meaning(t, name, src), meaning(t, name, out)); diff != "" {
		t.Errorf("%s: formatting changed the meaning (-original +formatted):\n%s\n--- original\n%s\n--- formatted\n%s", name, diff, src, out)
	}
	again, _, _ := Source(out, name)
	if !bytes.Equal(again, out) {
		t.Errorf("%s: fmt is not idempotent:\n--- once\n%s\n--- twice\n%s", name, out, again)
	}
	return true
}

// checkHCL1Rewrite formats src, which hcl/v2 refuses, and returns the result: src unchanged with
// hcl/v2's errors when HCL 1 refuses it too; else HCL 2 that parses, compiles to the same plan and
// errors as src apart from positions, and is its own format. rewritten says which.
func checkHCL1Rewrite(t testing.TB, name string, src []byte) (out []byte, rewritten bool) {
	t.Helper()
	out, diags, err := Source(src, name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if diags.HasErrors() {
		if !bytes.Equal(out, src) {
			t.Errorf("%s: a file that does not parse came back changed", name)
		}
		return out, false
	}
	if _, diags := hclsyntax.ParseConfig(out, name, hcl.InitialPos); diags.HasErrors() {
		t.Fatalf("%s: the file rewritten from HCL 1 does not parse: %s\n--- original\n%s\n--- formatted\n%s", name, diags, src, out)
	}
	if diff := cmp.Diff(planMeaning(t, name, src), planMeaning(t, name, out)); diff != "" {
		t.Errorf("%s: the rewrite from HCL 1 changed the plan (-original +formatted):\n%s\n--- original\n%s\n--- formatted\n%s", name, diff, src, out)
	}
	again, _, _ := Source(out, name)
	if !bytes.Equal(again, out) {
		t.Errorf("%s: fmt is not idempotent:\n--- once\n%s\n--- twice\n%s", name, out, again)
	}
	return out, true
}

// corpus is every configuration file in native syntax the project has: the files of the golden
// cases and the example files under fixtures/, and the examples/ of the repository.
func corpus(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	add := func(name string, data []byte) {
		if !compile.IsJSON(data) {
			out[name] = data
		}
	}
	for _, dir := range []string{"cases", "cli", "compile", "plan", "validate"} {
		for _, c := range fixtures.Load(t, dir) {
			for _, f := range c.Files {
				add(c.Name+"/"+f.Name, f.Data)
			}
		}
	}
	err := fs.WalkDir(fixtures.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".hcl") {
			return err
		}
		b, err := fs.ReadFile(fixtures.FS(), p)
		add("fixtures/"+p, b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	root, err := fixtures.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(filepath.Join(root, "examples"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".hcl") {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		add(filepath.ToSlash(rel), b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFormatKeepsMeaning formats every configuration of the corpus, and generated variants of each
// (the same tokens with the white space between them changed at random), and checks each with
// checkFormat.
func TestFormatKeepsMeaning(t *testing.T) {
	files := corpus(t)
	if len(files) < 50 {
		t.Fatalf("the corpus has %d files; the fixtures were not found", len(files))
	}
	parsed := 0
	rng := rand.New(rand.NewPCG(11, 11))
	for name, src := range files {
		if !checkFormat(t, name, src) {
			continue
		}
		parsed++
		for i := range 3 {
			checkFormat(t, name+"#"+string(rune('a'+i)), respace(t, src, rng))
		}
	}
	if parsed < len(files)/2 {
		t.Errorf("only %d of %d files parse: the test checks too little", parsed, len(files))
	}
}

// respace returns src with the spaces between tokens changed at random, outside strings and
// heredocs, where they mean nothing: none, one or several before each token, so that indentation
// and alignment are lost or overdone.
func respace(t testing.TB, src []byte, rng *rand.Rand) []byte {
	f, diags := hclwrite.ParseConfig(src, "x.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	tokens := f.BuildTokens(nil)
	depth := 0 // inside a quoted string or heredoc, spaces are content
	for i, tok := range tokens {
		if depth == 0 && i > 0 {
			tok.SpacesBefore = rng.IntN(4)
			if tok.SpacesBefore == 0 && needsSpace(tokens[i-1], tok) {
				tok.SpacesBefore = 1
			}
		}
		switch tok.Type {
		case hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc:
			depth++
		case hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc:
			depth--
		}
	}
	return tokens.Bytes()
}

// needsSpace reports two tokens that would lex as one without a space between them: two words or
// numbers.
func needsSpace(a, b *hclwrite.Token) bool {
	word := func(t *hclwrite.Token) bool {
		return t.Type == hclsyntax.TokenIdent || t.Type == hclsyntax.TokenNumberLit
	}
	return word(a) && word(b)
}
