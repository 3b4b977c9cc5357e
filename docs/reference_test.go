package docs

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultproxy/vaultproxy/schema"
	"github.com/vaultproxy/vaultproxy/validate"
)

var update = flag.Bool("update", false, "rewrite docs/reference.md from schema/ and validate/")

const referenceFile = "reference.md"

// TestReference fails when the committed reference.md is not what Reference generates; run
// `go test ./docs -update` after changing schema/ or the validate rules.
func TestReference(t *testing.T) {
	var buf bytes.Buffer
	if err := Reference(&buf); err != nil {
		t.Fatalf("Reference: %v", err)
	}
	got := buf.String()
	if *update {
		if err := os.WriteFile(referenceFile, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(referenceFile)
	if err != nil {
		t.Fatalf("%v; run `go test ./docs -update` to create it", err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")); diff != "" {
		t.Errorf("docs/%s is stale; run `go test ./docs -update` (-committed +generated):\n%s", referenceFile, diff)
	}
}

func TestReferenceDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := Reference(&a); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b.Reset()
		if err := Reference(&b); err != nil {
			t.Fatal(err)
		}
		if a.String() != b.String() {
			t.Fatal("two renderings of the reference differ")
		}
	}
}

// TestReferenceContent checks the reference names every block, attribute and rule, with its facts.
func TestReferenceContent(t *testing.T) {
	var buf bytes.Buffer
	if err := Reference(&buf); err != nil {
		t.Fatal(err)
	}
	ref := buf.String()
	walkBlocks(schema.Root, func(path []string, b *schema.Block) {
		if len(path) > 0 && !strings.Contains(ref, "`"+b.Type+"`") {
			t.Errorf("block %s is not in the reference", strings.Join(path, " > "))
		}
		for _, a := range b.Attributes {
			row := "| `" + a.Name + "` | " + cell(a.Kind.String()) + " |"
			if !strings.Contains(ref, row) {
				t.Errorf("attribute %s of %s has no row starting %q", a.Name, strings.Join(path, " > "), row)
			}
		}
	})
	for _, rule := range validate.Rules() {
		if !strings.Contains(ref, "| `"+rule.Name+"` | "+cell(rule.Doc)+" |") {
			t.Errorf("rule %s is not listed with its doc", rule.Name)
		}
	}
	for _, typ := range schema.MethodTypes {
		heading := "`auto_auth` > `method \"" + typ + "\"` > `config`"
		if !regexp.MustCompile("(?m)^#+ " + regexp.QuoteMeta(heading) + "$").MatchString(ref) {
			t.Errorf("no section for the config keys of method %s (%s)", typ, heading)
		}
	}
	if strings.Contains(ref, "these types' keys are not checked") {
		t.Error("the reference says some method types' config keys are not checked, but every type's are declared")
	}
	if strings.Contains(ref, "`\"\"`") {
		t.Error("the reference lists the empty string as an allowed value")
	}
}

// TestCellEscaping checks prose cannot break a table or be read as HTML or emphasis.
func TestCellEscaping(t *testing.T) {
	tests := []struct{ in, want string }{
		{"default auth/<type>.", "default auth/&lt;type&gt;."},
		{"a | b", `a \| b`},
		{"tls_cert_file and tls_key_file", "tls_cert_file and tls_key_file"},
		{"_x_ and *y*", `\_x\_ and \*y\*`},
		{"[link](x)", `\[link\](x)`},
		{"A & B", "A &amp; B"},
	}
	for _, tc := range tests {
		if got := cell(tc.in); got != tc.want {
			t.Errorf("cell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestGitHubSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Top level", "top-level"},
		{"auto_auth > method > config", "auto_auth--method--config"},
		{`auto_auth > method "approle" > config`, "auto_auth--method-approle--config"},
		{"Unknown blocks and attributes are errors", "unknown-blocks-and-attributes-are-errors"},
		{"`socket_mode` is an octal string", "socket_mode-is-an-octal-string"},
	}
	for _, tc := range tests {
		if got := githubSlug(stripMarkup(tc.in)); got != tc.want {
			t.Errorf("githubSlug(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	s := newSlugger()
	if a, b := s.slug("x y"), s.slug("x y"); a != "x-y" || b != "x-y-1" {
		t.Errorf("repeated headings got %q and %q, want x-y and x-y-1", a, b)
	}
}

// TestKindForms checks that the value-type table describes every kind the schema uses.
func TestKindForms(t *testing.T) {
	described := map[schema.Kind]bool{}
	for _, k := range kindForms {
		described[k.kind] = true
	}
	walkAttributes(schema.Root, func(path []string, a *schema.Attribute) {
		if !described[a.Kind] {
			t.Errorf("%s (%s): kind %s is not described in kindForms", a.Name, strings.Join(path, " > "), a.Kind)
		}
	})
}

var (
	headingLine = regexp.MustCompile(`(?m)^#{1,6} (.+)$`)
	mdLink      = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	markup      = regexp.MustCompile("[`*]")
)

func stripMarkup(s string) string { return markup.ReplaceAllString(s, "") }

// anchors returns the heading anchors of a Markdown document, as GitHub makes them.
func anchors(doc string) map[string]bool {
	s := newSlugger()
	out := map[string]bool{}
	inFence := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
			continue
		}
		if m := headingLine.FindStringSubmatch(line); m != nil && !inFence {
			out[s.slug(stripMarkup(m[1]))] = true
		}
	}
	return out
}

// TestLinks checks every relative link in the Markdown files of docs/ that this package maintains:
// the target file exists, and an anchor names a heading of it. Links to the files other owners
// maintain (plan-format.md, runtime.md, differences-runtime.md) are checked for their anchors only
// when the file exists.
func TestLinks(t *testing.T) {
	var buf bytes.Buffer
	if err := Reference(&buf); err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{referenceFile: buf.String()}
	for _, name := range []string{DifferencesFile, "README.md"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		docs[name] = string(b)
	}
	others := map[string]bool{"plan-format.md": true, "runtime.md": true, "differences-runtime.md": true}
	for name, doc := range docs {
		for _, m := range mdLink.FindAllStringSubmatch(doc, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			if file == "" {
				file = name
			}
			content, ok := docs[file]
			if !ok {
				b, err := os.ReadFile(filepath.FromSlash(file))
				if err != nil {
					if others[file] {
						t.Logf("%s links to %s, which does not exist yet", name, target)
						continue
					}
					if _, serr := os.Stat(filepath.FromSlash(file)); serr == nil {
						continue // a directory
					}
					t.Errorf("%s links to %s: %v", name, target, err)
					continue
				}
				content = string(b)
			}
			if anchor != "" && strings.HasSuffix(file, ".md") && !anchors(content)[anchor] {
				t.Errorf("%s links to %s, but %s has no heading with anchor %q", name, target, file, anchor)
			}
		}
	}
}

// TestPlanFormatFields fails when the field tables of plan-format.md are not what PlanFields generates
// from the plan layout; `go test ./docs -update` rewrites them.
func TestPlanFormatFields(t *testing.T) {
	var buf bytes.Buffer
	if err := PlanFields(&buf); err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(planFormatFile)
	if err != nil {
		t.Fatal(err)
	}
	got, err := withPlanFields(string(committed), buf.String())
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(planFormatFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if diff := cmp.Diff(strings.Split(string(committed), "\n"), strings.Split(got, "\n")); diff != "" {
		t.Errorf("docs/%s is stale; run `go test ./docs -update` (-committed +generated):\n%s", planFormatFile, diff)
	}
}
