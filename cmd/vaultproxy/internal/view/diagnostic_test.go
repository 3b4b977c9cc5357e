package view

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

// The sources of Terraform's format/diagnostic_test.go cases that are
// reproduced here.
const (
	// Lines: 1 "variable "x" {" 0..14, 2 "  default = {" 15..28,
	// 3 `    "foo"` 29..38, 4 "  }" 39..42. The block is never closed.
	tfVariableSrc = `variable "x" {
  default = {
    "foo"
  }
`
	// Lines: 1 0..25, 2 26..41, 3 42..57, 4 "})" 58..60.
	tfSomefuncSrc = `x = somefunc("testing", {
  alpha = "foo"
  beta  = "bar"
})
`
)

func TestNewDiagnostic(t *testing.T) {
	tests := map[string]struct {
		diag    func(t *testing.T) *hcl.Diagnostic
		sources map[string][]byte // allSources() when nil
		want    *Diagnostic
	}{
		// Terraform's validate-invalid fixture: the block type "resorce" is
		// at bytes 0-7, columns 1-8; no block encloses it.
		"terraform validate-invalid": {
			diag: tfUnsupportedBlock,
			want: &Diagnostic{
				Severity: "error",
				Summary:  "Unsupported block type",
				Detail:   `Blocks of type "resorce" are not expected here. Did you mean "resource"?`,
				Range:    drange(tfInvalidName, 1, 1, 0, 1, 8, 7),
				Snippet: &DiagnosticSnippet{
					Context:              nil,
					Code:                 `resorce "test_instance" "foo" { # Intentional typo to test error reporting`,
					StartLine:            1,
					HighlightStartOffset: 0,
					HighlightEndOffset:   7,
					Values:               []DiagnosticExpressionValue{},
				},
			},
		},
		// hcl's Subject is the argument name "bogus": line 6, columns 3-8,
		// bytes 95+2=97 to 102; the enclosing block is listener "tcp".
		"native syntax with block context": {
			diag: nativeUnsupported,
			want: &Diagnostic{
				Severity: "error",
				Summary:  "Unsupported argument",
				Detail:   `An argument named "bogus" is not expected here.`,
				Range:    drange(nativeName, 6, 3, 97, 6, 8, 102),
				Snippet: &DiagnosticSnippet{
					Context:              str(`listener "tcp"`),
					Code:                 nativeLine6,
					StartLine:            6,
					HighlightStartOffset: 2,
					HighlightEndOffset:   7,
					Values:               []DiagnosticExpressionValue{},
				},
			},
		},
		// hcl's JSON Subject is the property name with its quotes (line 5,
		// columns 7-14, bytes 66+6=72 to 79) and its Context the whole
		// property (to byte 82, the end of line 5). The context string is a
		// property path in JSON syntax.
		"json syntax": {
			diag: jsonExtraneous,
			want: &Diagnostic{
				Severity: "error",
				Summary:  "Extraneous JSON object property",
				Detail:   `No argument or block type is named "bogus".`,
				Range:    drange(jsonName, 5, 7, 72, 5, 14, 79),
				Snippet: &DiagnosticSnippet{
					Context:              str("listener.tcp"),
					Code:                 `      "bogus": 1`,
					StartLine:            5,
					HighlightStartOffset: 6,
					HighlightEndOffset:   13,
					Values:               []DiagnosticExpressionValue{},
				},
			},
		},
		// From the address value (line 4 column 17, byte 41+16=57) to the end
		// of "true" (line 5 column 21, byte 94). The code starts at byte 41,
		// so the highlight is 16 to 53, which is the end of the code
		// (32 + 1 + 20 bytes).
		"multi-line subject": {
			diag: func(*testing.T) *hcl.Diagnostic {
				return &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Conflicting settings",
					Subject:  rng(nativeName, 4, 17, 57, 5, 21, 94),
				}
			},
			want: &Diagnostic{
				Severity: "error",
				Summary:  "Conflicting settings",
				Detail:   "",
				Range:    drange(nativeName, 4, 17, 57, 5, 21, 94),
				Snippet: &DiagnosticSnippet{
					Context:              str(`listener "tcp"`),
					Code:                 nativeLine4 + "\n" + nativeLine5,
					StartLine:            4,
					HighlightStartOffset: 16,
					HighlightEndOffset:   53,
					Values:               []DiagnosticExpressionValue{},
				},
			},
		},
		// The Context is the whole block (bytes 24-114): the code is lines 3
		// to 7 and starts at byte 24, so "bogus" is at 97-24=73 to 78.
		"context wider than subject": {
			diag: func(*testing.T) *hcl.Diagnostic {
				return &hcl.Diagnostic{
					Severity: hcl.DiagWarning,
					Summary:  "Unused argument",
					Detail:   "It is ignored.",
					Subject:  rng(nativeName, 6, 3, 97, 6, 8, 102),
					Context:  rng(nativeName, 3, 1, 24, 7, 2, 114),
				}
			},
			want: &Diagnostic{
				Severity: "warning",
				Summary:  "Unused argument",
				Detail:   "It is ignored.",
				Range:    drange(nativeName, 6, 3, 97, 6, 8, 102),
				Snippet: &DiagnosticSnippet{
					Context:              str(`listener "tcp"`),
					Code:                 nativeLine3 + "\n" + nativeLine4 + "\n" + nativeLine5 + "\n" + nativeLine6 + "\n" + nativeLine7,
					StartLine:            3,
					HighlightStartOffset: 73,
					HighlightEndOffset:   78,
					Values:               []DiagnosticExpressionValue{},
				},
			},
		},
		// A Context over the whole file keeps the empty line 2, so the code
		// starts at byte 0 and the highlight keeps the file's offsets.
		"context over an empty line": {
			diag: func(*testing.T) *hcl.Diagnostic {
				return &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Bad",
					Subject:  rng(nativeName, 6, 3, 97, 6, 8, 102),
					Context:  rng(nativeName, 1, 1, 0, 7, 2, 114),
				}
			},
			want: &Diagnostic{
				Severity: "error",
				Summary:  "Bad",
				Range:    drange(nativeName, 6, 3, 97, 6, 8, 102),
				Snippet: &DiagnosticSnippet{
					Context:              str(`listener "tcp"`),
					Code:                 nativeSrc[:114],
					StartLine:            1,
					HighlightStartOffset: 97,
					HighlightEndOffset:   102,
					Values:               []DiagnosticExpressionValue{},
				},
			},
		},
		// An empty Subject at the "1" (line 6 column 17, byte 111) is widened
		// to one byte and one column, in the range as well as the highlight.
		"empty subject is widened": {
			diag: func(*testing.T) *hcl.Diagnostic {
				return &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Bad value",
					Subject:  rng(nativeName, 6, 17, 111, 6, 17, 111),
				}
			},
			want: &Diagnostic{
				Severity: "error",
				Summary:  "Bad value",
				Range:    drange(nativeName, 6, 17, 111, 6, 18, 112),
				Snippet: &DiagnosticSnippet{
					Context:              str(`listener "tcp"`),
					Code:                 nativeLine6,
					StartLine:            6,
					HighlightStartOffset: 16,
					HighlightEndOffset:   17,
					Values:               []DiagnosticExpressionValue{},
				},
			},
		},
		// A Subject with no End gets End = Start, and is then widened.
		"missing end": {
			diag: func(*testing.T) *hcl.Diagnostic {
				return &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Bad name",
					Subject:  &hcl.Range{Filename: nativeName, Start: hcl.Pos{Line: 6, Column: 3, Byte: 97}},
				}
			},
			want: &Diagnostic{
				Severity: "error",
				Summary:  "Bad name",
				Range:    drange(nativeName, 6, 3, 97, 6, 4, 98),
				Snippet: &DiagnosticSnippet{
					Context:              str(`listener "tcp"`),
					Code:                 nativeLine6,
					StartLine:            6,
					HighlightStartOffset: 2,
					HighlightEndOffset:   3,
					Values:               []DiagnosticExpressionValue{},
				},
			},
		},
		// An empty Subject on the newline ending line 6 (byte 112) widens to
		// 112-113, which ends where line 7 starts: like Terraform (and
		// hcl.Range.Overlaps) that takes in line 7 too. The highlight is the
		// newline itself, 17 to 18 of the 19 bytes of code.
		"empty subject at end of line": {
			diag: func(*testing.T) *hcl.Diagnostic {
				return &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Missing value",
					Subject:  rng(nativeName, 6, 18, 112, 6, 18, 112),
				}
			},
			want: &Diagnostic{
				Severity: "error",
				Summary:  "Missing value",
				Range:    drange(nativeName, 6, 18, 112, 6, 19, 113),
				Snippet: &DiagnosticSnippet{
					Context:              str(`listener "tcp"`),
					Code:                 nativeLine6 + "\n" + nativeLine7,
					StartLine:            6,
					HighlightStartOffset: 17,
					HighlightEndOffset:   18,
					Values:               []DiagnosticExpressionValue{},
				},
			},
		},
		// A stale Subject that runs past the end of the file: the code is
		// line 7 only and the highlight is clamped to it.
		"subject past end of source": {
			diag: func(*testing.T) *hcl.Diagnostic {
				return &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Stale",
					Subject:  rng(nativeName, 7, 1, 113, 9, 1, 200),
				}
			},
			want: &Diagnostic{
				Severity: "error",
				Summary:  "Stale",
				Range:    drange(nativeName, 7, 1, 113, 9, 1, 200),
				Snippet: &DiagnosticSnippet{
					Context:              str(`listener "tcp"`),
					Code:                 nativeLine7,
					StartLine:            7,
					HighlightStartOffset: 0,
					HighlightEndOffset:   1,
					Values:               []DiagnosticExpressionValue{},
				},
			},
		},
		// Terraform's TestDiagnostic_emptyOverlapHighlightContext (it is also
		// what hcl itself reports for this source): the Subject is the
		// newline after "foo" (bytes 38-39), the Context starts on line 2
		// (byte 27). The code is lines 2-4 (starting at byte 15), and line 4
		// is in because the range ends where it starts. The unclosed block
		// still gives the context string.
		"terraform empty overlap": {
			diag: func(*testing.T) *hcl.Diagnostic {
				return &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Some error",
					Detail:   "...",
					Subject:  rng("source.tf", 3, 10, 38, 4, 1, 39),
					Context:  rng("source.tf", 2, 13, 27, 4, 1, 39),
				}
			},
			sources: map[string][]byte{"source.tf": []byte(tfVariableSrc)},
			want: &Diagnostic{
				Severity: "error",
				Summary:  "Some error",
				Detail:   "...",
				Range:    drange("source.tf", 3, 10, 38, 4, 1, 39),
				Snippet: &DiagnosticSnippet{
					Context:              str(`variable "x"`),
					Code:                 "  default = {\n    \"foo\"\n  }",
					StartLine:            2,
					HighlightStartOffset: 23,
					HighlightEndOffset:   24,
					Values:               []DiagnosticExpressionValue{},
				},
			},
		},
		// Terraform's TestDiagnostic_nonOverlappingHighlightContext: an empty
		// Subject at the start of a Context that runs to line 4.
		"terraform empty subject in context": {
			diag: func(*testing.T) *hcl.Diagnostic {
				return &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Some error",
					Detail:   "...",
					Subject:  rng("source.tf", 1, 5, 5, 1, 5, 5),
					Context:  rng("source.tf", 1, 5, 5, 4, 2, 60),
				}
			},
			sources: map[string][]byte{"source.tf": []byte(tfSomefuncSrc)},
			want: &Diagnostic{
				Severity: "error",
				Summary:  "Some error",
				Detail:   "...",
				Range:    drange("source.tf", 1, 5, 5, 1, 6, 6),
				Snippet: &DiagnosticSnippet{
					Context:              nil,
					Code:                 tfSomefuncSrc[:60],
					StartLine:            1,
					HighlightStartOffset: 5,
					HighlightEndOffset:   6,
					Values:               []DiagnosticExpressionValue{},
				},
			},
		},
		// hcl reports the stray "x": 26 characters precede it, so column 27,
		// but ü and ï take two bytes each, so byte 28. Highlight offsets are
		// bytes.
		"unicode before the range": {
			diag: func(t *testing.T) *hcl.Diagnostic { return parseError(t, unicodeName, unicodeSrc) },
			want: &Diagnostic{
				Severity: "error",
				Summary:  "Missing newline after argument",
				Detail:   "An argument definition must end with a newline.",
				Range:    drange(unicodeName, 1, 27, 28, 1, 28, 29),
				Snippet: &DiagnosticSnippet{
					Code:                 `pid_file = "/tmp/ünïcode" x`,
					StartLine:            1,
					HighlightStartOffset: 28,
					HighlightEndOffset:   29,
					Values:               []DiagnosticExpressionValue{},
				},
			},
		},
		// e + U+0301 is one column (one grapheme cluster) and three bytes:
		// "x" is column 21, byte 22.
		"combining character before the range": {
			diag: func(t *testing.T) *hcl.Diagnostic { return parseError(t, graphemeName, graphemeSrc) },
			want: &Diagnostic{
				Severity: "error",
				Summary:  "Missing newline after argument",
				Detail:   "An argument definition must end with a newline.",
				Range:    drange(graphemeName, 1, 21, 22, 1, 22, 23),
				Snippet: &DiagnosticSnippet{
					Code:                 "pid_file = \"/tmp/e\u0301\" x",
					StartLine:            1,
					HighlightStartOffset: 22,
					HighlightEndOffset:   23,
					Values:               []DiagnosticExpressionValue{},
				},
			},
		},
		// "\r\n" line breaks: line 1 is bytes 0-16 (then 16-18 for the
		// break), line 2 "  bogus = 1" 18-29, line 3 "}" 31-32. The code
		// has "\n" breaks, so line 2 starts at 17 in it and "bogus" (file
		// bytes 20-25) is at 19-24 there.
		"crlf line breaks": {
			diag: func(*testing.T) *hcl.Diagnostic {
				return &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Unsupported argument",
					Subject:  rng("crlf.hcl", 2, 3, 20, 2, 8, 25),
					Context:  rng("crlf.hcl", 1, 1, 0, 3, 2, 32),
				}
			},
			sources: map[string][]byte{"crlf.hcl": []byte("listener \"tcp\" {\r\n  bogus = 1\r\n}\r\n")},
			want: &Diagnostic{
				Severity: "error",
				Summary:  "Unsupported argument",
				Range:    drange("crlf.hcl", 2, 3, 20, 2, 8, 25),
				Snippet: &DiagnosticSnippet{
					Context:              str(`listener "tcp"`),
					Code:                 "listener \"tcp\" {\n  bogus = 1\n}",
					StartLine:            1,
					HighlightStartOffset: 19,
					HighlightEndOffset:   24,
					Values:               []DiagnosticExpressionValue{},
				},
			},
		},
		"sourceless warning": {
			diag: func(*testing.T) *hcl.Diagnostic {
				return &hcl.Diagnostic{
					Severity: hcl.DiagWarning,
					Summary:  "No auto_auth",
					Detail:   "Requests will not carry a token.",
				}
			},
			want: &Diagnostic{
				Severity: "warning",
				Summary:  "No auto_auth",
				Detail:   "Requests will not carry a token.",
			},
		},
		"file not in sources": {
			diag: func(*testing.T) *hcl.Diagnostic {
				return &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Bad",
					Detail:   "Very bad.",
					Subject:  rng("elsewhere.hcl", 2, 3, 10, 2, 8, 15),
				}
			},
			want: &Diagnostic{
				Severity: "error",
				Summary:  "Bad",
				Detail:   "Very bad.",
				Range:    drange("elsewhere.hcl", 2, 3, 10, 2, 8, 15),
			},
		},
		// A Context in another file is ignored.
		"context in another file": {
			diag: func(*testing.T) *hcl.Diagnostic {
				return &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Bad",
					Subject:  rng(nativeName, 6, 3, 97, 6, 8, 102),
					Context:  rng(jsonName, 1, 1, 0, 8, 2, 94),
				}
			},
			want: &Diagnostic{
				Severity: "error",
				Summary:  "Bad",
				Range:    drange(nativeName, 6, 3, 97, 6, 8, 102),
				Snippet: &DiagnosticSnippet{
					Context:              str(`listener "tcp"`),
					Code:                 nativeLine6,
					StartLine:            6,
					HighlightStartOffset: 2,
					HighlightEndOffset:   7,
					Values:               []DiagnosticExpressionValue{},
				},
			},
		},
		"invalid severity": {
			diag: func(*testing.T) *hcl.Diagnostic {
				return &hcl.Diagnostic{Summary: "What?"}
			},
			want: &Diagnostic{Severity: "unknown", Summary: "What?"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sources := tc.sources
			if sources == nil {
				sources = allSources()
			}
			got := NewDiagnostic(tc.diag(t), sources)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("wrong diagnostic (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewDiagnosticNil(t *testing.T) {
	if got := NewDiagnostic(nil, nil); got != nil {
		t.Errorf("NewDiagnostic(nil) = %#v, want nil", got)
	}
}

// The JSON form: detail is always there, range and snippet only when known,
// context is null rather than missing, values is [] rather than null.
func TestDiagnosticJSONFields(t *testing.T) {
	tests := map[string]struct {
		diag *Diagnostic
		want string
	}{
		"sourceless": {
			diag: &Diagnostic{Severity: "warning", Summary: "S"},
			want: `{"severity":"warning","summary":"S","detail":""}`,
		},
		"range without source": {
			diag: &Diagnostic{Severity: "error", Summary: "S", Detail: "D", Range: drange("a.hcl", 1, 2, 1, 1, 3, 2)},
			want: `{"severity":"error","summary":"S","detail":"D",` +
				`"range":{"filename":"a.hcl","start":{"line":1,"column":2,"byte":1},"end":{"line":1,"column":3,"byte":2}}}`,
		},
		"snippet without context": {
			diag: NewDiagnostic(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "S",
				Subject:  rng("a.hcl", 1, 1, 0, 1, 2, 1),
			}, map[string][]byte{"a.hcl": []byte("a = 1\n")}),
			want: `{"severity":"error","summary":"S","detail":"",` +
				`"range":{"filename":"a.hcl","start":{"line":1,"column":1,"byte":0},"end":{"line":1,"column":2,"byte":1}},` +
				`"snippet":{"context":null,"code":"a = 1","start_line":1,"highlight_start_offset":0,"highlight_end_offset":1,"values":[]}}`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(tc.diag)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, string(b)); diff != "" {
				t.Errorf("wrong JSON (-want +got):\n%s", diff)
			}
		})
	}
}

// TestContextBySyntax checks that the snippet's context comes from parsing the source in the syntax
// its content has, as the compiler reads it, whatever the file's name says.
func TestContextBySyntax(t *testing.T) {
	for name, src := range map[string]string{
		"native.json": "listener \"tcp\" {\n  bogus = 1\n}\n",
		"json.hcl":    "{\"listener\": {\"tcp\": {\n  \"bogus\": 1}}}\n",
	} {
		d := NewDiagnostic(&hcl.Diagnostic{
			Severity: hcl.DiagError, Summary: "Unsupported argument",
			Subject: rng(name, 2, 3, strings.Index(src, "bogus"), 2, 8, strings.Index(src, "bogus")+5),
		}, map[string][]byte{name: []byte(src)})
		if d.Snippet == nil || d.Snippet.Context == nil {
			t.Errorf("%s: no context", name)
			continue
		}
		if want := map[string]string{"native.json": `listener "tcp"`, "json.hcl": "listener.tcp"}[name]; *d.Snippet.Context != want {
			t.Errorf("%s: context %q, want %q", name, *d.Snippet.Context, want)
		}
	}
}
