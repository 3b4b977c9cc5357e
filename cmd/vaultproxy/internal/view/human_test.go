package view

import (
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/compile"
)

// tags spells the styles the way Terraform's format/diagnostic_test.go shows
// them (an empty colorstring.Colorize leaves the tags in place), so that
// those expectations can be copied here as they are.
var tags = palette{
	red:       "[red]",
	yellow:    "[yellow]",
	green:     "[green]",
	darkGray:  "[dark_gray]",
	bold:      "[bold]",
	underline: "[underline]",
	reset:     "[reset]",
}

// The sources and diagnostics of Terraform's TestDiagnostic and
// TestDiagnosticPlain: "source" is bytes 5-11, columns 6-12.
//
// One difference from Terraform's expectations: they say "on test.tf line
// 1:" and these say "on test.tf line 1, in test "source" "code":". The
// context string is hcl's (hcled.ContextString, as in Terraform), and the
// invalid line "test source code" parses as a block header with two labels
// and no body. hcl v2.23 gave that block the range of "test" alone (bytes
// 0-4), which does not contain offset 5-1 = 4; hcl v2.25, which this module
// uses, gives it the whole line, which does.
var tfTestSources = map[string][]byte{"test.tf": []byte("test source code")}

const tfLongDetail = "It has no source references but it does have a pretty long detail that should wrap over multiple lines."

func tfBadBad(file string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Bad bad bad",
		Detail:   "Whatever shall we do?",
		Subject:  rng(file, 1, 6, 5, 1, 12, 11),
	}
}

func withValues(d *Diagnostic, values ...DiagnosticExpressionValue) *Diagnostic {
	d.Snippet.Values = values
	return d
}

// Terraform's expectations, in its own tag notation, at width 40: the detail
// wraps at 40-3 = 37 in the box and at 40-1 = 39 without it.
func TestRenderTerraformCases(t *testing.T) {
	tests := map[string]struct {
		diag         *Diagnostic
		boxed, plain string
	}{
		"sourceless error": {
			diag: NewDiagnostic(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "A sourceless error", Detail: tfLongDetail}, nil),
			boxed: `[red]╷[reset]
[red]│[reset] [bold][red]Error: [reset][bold]A sourceless error[reset]
[red]│[reset]
[red]│[reset] It has no source references but it
[red]│[reset] does have a pretty long detail that
[red]│[reset] should wrap over multiple lines.
[red]╵[reset]
`,
			plain: `
Error: A sourceless error

It has no source references but it does
have a pretty long detail that should
wrap over multiple lines.
`,
		},
		"sourceless warning": {
			diag: NewDiagnostic(&hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "A sourceless warning", Detail: tfLongDetail}, nil),
			boxed: `[yellow]╷[reset]
[yellow]│[reset] [bold][yellow]Warning: [reset][bold]A sourceless warning[reset]
[yellow]│[reset]
[yellow]│[reset] It has no source references but it
[yellow]│[reset] does have a pretty long detail that
[yellow]│[reset] should wrap over multiple lines.
[yellow]╵[reset]
`,
			plain: `
Warning: A sourceless warning

It has no source references but it does
have a pretty long detail that should
wrap over multiple lines.
`,
		},
		"error with source code subject": {
			diag: NewDiagnostic(tfBadBad("test.tf"), tfTestSources),
			boxed: `[red]╷[reset]
[red]│[reset] [bold][red]Error: [reset][bold]Bad bad bad[reset]
[red]│[reset]
[red]│[reset]   on test.tf line 1, in test "source" "code":
[red]│[reset]    1: test [underline]source[reset] code
[red]│[reset]
[red]│[reset] Whatever shall we do?
[red]╵[reset]
`,
			plain: `
Error: Bad bad bad

  on test.tf line 1, in test "source" "code":
   1: test source code

Whatever shall we do?
`,
		},
		"error with source code subject and known expression": {
			diag: withValues(NewDiagnostic(tfBadBad("test.tf"), tfTestSources),
				DiagnosticExpressionValue{Traversal: "boop.beep", Statement: `is "blah"`}),
			boxed: `[red]╷[reset]
[red]│[reset] [bold][red]Error: [reset][bold]Bad bad bad[reset]
[red]│[reset]
[red]│[reset]   on test.tf line 1, in test "source" "code":
[red]│[reset]    1: test [underline]source[reset] code
[red]│[reset]     [dark_gray]├────────────────[reset]
[red]│[reset]     [dark_gray]│[reset] [bold]boop.beep[reset] is "blah"
[red]│[reset]
[red]│[reset] Whatever shall we do?
[red]╵[reset]
`,
			plain: `
Error: Bad bad bad

  on test.tf line 1, in test "source" "code":
   1: test source code
    ├────────────────
    │ boop.beep is "blah"

Whatever shall we do?
`,
		},
		"error with source code subject but no source": {
			diag: NewDiagnostic(tfBadBad("missing.tf"), tfTestSources),
			boxed: `[red]╷[reset]
[red]│[reset] [bold][red]Error: [reset][bold]Bad bad bad[reset]
[red]│[reset]
[red]│[reset]   on missing.tf line 1:
[red]│[reset]   (source code not available)
[red]│[reset]
[red]│[reset] Whatever shall we do?
[red]╵[reset]
`,
			plain: `
Error: Bad bad bad

  on missing.tf line 1:
  (source code not available)

Whatever shall we do?
`,
		},
		"error with address": {
			diag: func() *Diagnostic {
				d := NewDiagnostic(tfBadBad("test.tf"), tfTestSources)
				d.Address = "test_resource.foo"
				return d
			}(),
			boxed: `[red]╷[reset]
[red]│[reset] [bold][red]Error: [reset][bold]Bad bad bad[reset]
[red]│[reset]
[red]│[reset]   with test_resource.foo,
[red]│[reset]   on test.tf line 1, in test "source" "code":
[red]│[reset]    1: test [underline]source[reset] code
[red]│[reset]
[red]│[reset] Whatever shall we do?
[red]╵[reset]
`,
			plain: `
Error: Bad bad bad

  with test_resource.foo,
  on test.tf line 1, in test "source" "code":
   1: test source code

Whatever shall we do?
`,
		},
		// No detail: the summary's blank line still follows it.
		"no detail": {
			diag: NewDiagnostic(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Nothing more to say"}, nil),
			boxed: `[red]╷[reset]
[red]│[reset] [bold][red]Error: [reset][bold]Nothing more to say[reset]
[red]│[reset]
[red]╵[reset]
`,
			plain: "\nError: Nothing more to say\n\n",
		},
		// Lines of the detail that start with a space are not wrapped.
		"preformatted detail": {
			diag: NewDiagnostic(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Bad",
				Detail:   "Write it like this, which is a long example line:\n    listener \"tcp\" { address = \"127.0.0.1:8100\" }",
			}, nil),
			boxed: `[red]╷[reset]
[red]│[reset] [bold][red]Error: [reset][bold]Bad[reset]
[red]│[reset]
[red]│[reset] Write it like this, which is a long
[red]│[reset] example line:
[red]│[reset]     listener "tcp" { address = "127.0.0.1:8100" }
[red]╵[reset]
`,
			plain: `
Error: Bad

Write it like this, which is a long
example line:
    listener "tcp" { address = "127.0.0.1:8100" }
`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.boxed, renderBoxed(tc.diag, tags, 40)); diff != "" {
				t.Errorf("boxed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.plain, Printer{Width: 40}.Render(tc.diag)); diff != "" {
				t.Errorf("plain (-want +got):\n%s", diff)
			}
		})
	}
}

// Terraform's TestDiagnostic_nonOverlappingHighlightContext and
// TestDiagnostic_emptyOverlapHighlightContext: boxed, colour disabled,
// width 80.
func TestRenderTerraformMultiLineSnippets(t *testing.T) {
	tests := map[string]struct {
		diag *hcl.Diagnostic
		src  string
		want string
	}{
		"non-overlapping highlight context": {
			diag: &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Some error",
				Detail:   "...",
				Subject:  rng("source.tf", 1, 5, 5, 1, 5, 5),
				Context:  rng("source.tf", 1, 5, 5, 4, 2, 60),
			},
			src: tfSomefuncSrc,
			want: `╷
│ Error: Some error
│
│   on source.tf line 1:
│    1: x = somefunc("testing", {
│    2:   alpha = "foo"
│    3:   beta  = "bar"
│    4: })
│
│ ...
╵
`,
		},
		"empty overlap highlight context": {
			diag: &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Some error",
				Detail:   "...",
				Subject:  rng("source.tf", 3, 10, 38, 4, 1, 39),
				Context:  rng("source.tf", 2, 13, 27, 4, 1, 39),
			},
			src: tfVariableSrc,
			want: `╷
│ Error: Some error
│
│   on source.tf line 3, in variable "x":
│    2:   default = {
│    3:     "foo"
│    4:   }
│
│ ...
╵
`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d := NewDiagnostic(tc.diag, map[string][]byte{"source.tf": []byte(tc.src)})
			if diff := cmp.Diff(tc.want, renderBoxed(d, palette{}, 80)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// The colour output is made of real SGR sequences: bold red "Error: ", a
// bold summary, red rules and an underlined highlight.
func TestPrinterColorEscapes(t *testing.T) {
	var b strings.Builder
	p := Printer{Color: true}
	if err := p.PrintDiagnostic(&b, tfBadBad("test.tf"), tfTestSources); err != nil {
		t.Fatal(err)
	}
	want := "\x1b[31m╷\x1b[0m\n" +
		"\x1b[31m│\x1b[0m \x1b[1m\x1b[31mError: \x1b[0m\x1b[1mBad bad bad\x1b[0m\n" +
		"\x1b[31m│\x1b[0m\n" +
		"\x1b[31m│\x1b[0m   on test.tf line 1, in test \"source\" \"code\":\n" +
		"\x1b[31m│\x1b[0m    1: test \x1b[4msource\x1b[0m code\n" +
		"\x1b[31m│\x1b[0m\n" +
		"\x1b[31m│\x1b[0m Whatever shall we do?\n" +
		"\x1b[31m╵\x1b[0m\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// A highlight over several lines is underlined on each of them, so that the
// reset at the end of each rule does not cut it short.
func TestRenderMultiLineHighlight(t *testing.T) {
	d := NewDiagnostic(&hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  "Conflicting settings",
		Subject:  rng(nativeName, 4, 17, 57, 5, 21, 94),
	}, allSources())
	want := `[yellow]╷[reset]
[yellow]│[reset] [bold][yellow]Warning: [reset][bold]Conflicting settings[reset]
[yellow]│[reset]
[yellow]│[reset]   on proxy.hcl line 4, in listener "tcp":
[yellow]│[reset]    4:   address     = [underline]"127.0.0.1:8100"[reset]
[yellow]│[reset]    5: [underline]  tls_disable = true[reset]
[yellow]│[reset]
[yellow]╵[reset]
`
	if diff := cmp.Diff(want, renderBoxed(d, tags, 78)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestPrinterWidth(t *testing.T) {
	detail := strings.TrimSpace(strings.Repeat("word ", 30)) // 149 characters
	d := NewDiagnostic(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "S", Detail: detail}, nil)
	tests := map[string]struct {
		width     int
		wantLines []int // lengths of the detail lines, in characters
	}{
		// 0 is the default, 78: lines of at most 77 characters, i.e. 15
		// words of 5 with the trailing space dropped at the break: "word"
		// *15 separated by spaces is 74 characters.
		"default": {width: 0, wantLines: []int{74, 74}},
		// Wrapping at 20-1 = 19: four words (19 characters) fit, so 7 lines
		// of four and one of the last two.
		"narrow": {width: 20, wantLines: []int{19, 19, 19, 19, 19, 19, 19, 9}},
		// Negative: no wrapping at all.
		"off": {width: -1, wantLines: []int{149}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out := Printer{Width: tc.width}.Render(d)
			body := strings.TrimPrefix(out, "\nError: S\n\n")
			lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
			var got []int
			for _, l := range lines {
				got = append(got, len(l))
			}
			if diff := cmp.Diff(tc.wantLines, got); diff != "" {
				t.Errorf("line lengths (-want +got):\n%s\noutput:\n%s", diff, out)
			}
		})
	}
}

func TestPrintValidateSuccess(t *testing.T) {
	tests := map[string]struct {
		p        Printer
		warnings bool
		want     string
	}{
		"valid": {
			want: "Success! The configuration is valid.\n\n",
		},
		// 93 characters, wrapped at 78-1 = 77: "… validation warnings" is 76.
		"warnings": {
			warnings: true,
			want:     "Success! The configuration is valid, but there were some validation warnings\nas shown above.\n\n",
		},
		"wide": {
			p:        Printer{Width: 120},
			warnings: true,
			want:     "Success! The configuration is valid, but there were some validation warnings as shown above.\n\n",
		},
		"color": {
			p:    Printer{Color: true},
			want: "\x1b[32m\x1b[1mSuccess!\x1b[0m The configuration is valid.\n\n",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			if err := tc.p.PrintValidateSuccess(&b, tc.warnings); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, b.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestColorEnabled(t *testing.T) {
	tests := []struct {
		flag     bool
		env      string
		terminal bool
		want     bool
	}{
		{false, "", true, true},
		{true, "", true, false},
		{false, "1", true, false},
		{false, "", false, false},
	}
	for _, tc := range tests {
		if got := ColorEnabled(tc.flag, tc.env, tc.terminal); got != tc.want {
			t.Errorf("ColorEnabled(%v, %q, %v) = %v, want %v", tc.flag, tc.env, tc.terminal, got, tc.want)
		}
	}
}

// goldenDiagnostics is one of each kind of diagnostic, over every fixture
// file, sorted as the CLI sorts them.
func goldenDiagnostics(t *testing.T) hcl.Diagnostics {
	diags := hcl.Diagnostics{
		tfUnsupportedBlock(t),
		nativeUnsupported(t),
		jsonExtraneous(t),
		parseError(t, unicodeName, unicodeSrc),
		{
			Severity: hcl.DiagWarning,
			Summary:  "Conflicting settings",
			Detail: "The listener sets both an address and tls_disable; when TLS is disabled the proxy " +
				"serves plain HTTP on that address, which anyone on the network can read.\n" +
				"\n" +
				"  address     = \"127.0.0.1:8100\" # only loopback is safe without TLS, keep it that way\n" +
				"\n" +
				"Move the listener to a loopback address or enable TLS.",
			Subject: rng(nativeName, 4, 17, 57, 5, 21, 94),
		},
		{
			Severity: hcl.DiagError,
			Summary:  "Missing value",
			Detail:   "An argument needs a value.",
			Subject:  rng(nativeName, 6, 17, 111, 6, 17, 111),
		},
		{
			Severity: hcl.DiagWarning,
			Summary:  "No auto_auth",
			Detail:   "Requests will not carry a token.",
		},
		{
			Severity: hcl.DiagError,
			Summary:  "Bad include",
			Detail:   "The included file could not be read.",
			Subject:  rng("elsewhere.hcl", 2, 3, 10, 2, 8, 15),
		},
	}
	compile.SortDiagnostics(diags)
	return diags
}

func TestPrinterGolden(t *testing.T) {
	diags := goldenDiagnostics(t)
	sources := allSources()

	var plain strings.Builder
	printAll(t, Printer{}, &plain, diags, sources)
	checkGolden(t, "diagnostics-plain.golden", []byte(plain.String()))

	var color strings.Builder
	printAll(t, Printer{Color: true}, &color, diags, sources)
	checkGolden(t, "diagnostics-color.golden", []byte(color.String()))

	// The same in Terraform's tag notation, which is easier to read and
	// review than the escape sequences above.
	var tagged strings.Builder
	for _, d := range diags {
		tagged.WriteString(renderBoxed(NewDiagnostic(d, sources), tags, DefaultWidth))
	}
	checkGolden(t, "diagnostics-tags.golden", []byte(tagged.String()))
	if got := replaceTags(tagged.String()); got != color.String() {
		t.Errorf("the tag rendering, with the tags replaced by escapes, differs from the colour rendering:\n%s", cmp.Diff(got, color.String()))
	}
}

// printAll writes every diagnostic of diags to w in order, as the CLI does (boxed diagnostics
// follow one another directly; plain ones are separated by the blank line each starts with).
func printAll(t *testing.T, p Printer, w io.Writer, diags hcl.Diagnostics, sources map[string][]byte) {
	t.Helper()
	for _, d := range diags {
		if err := p.PrintDiagnostic(w, d, sources); err != nil {
			t.Fatal(err)
		}
	}
}

func replaceTags(s string) string {
	return strings.NewReplacer(
		tags.red, ansi.red,
		tags.yellow, ansi.yellow,
		tags.green, ansi.green,
		tags.darkGray, ansi.darkGray,
		tags.bold, ansi.bold,
		tags.underline, ansi.underline,
		tags.reset, ansi.reset,
	).Replace(s)
}

// TestRenderEscapesSource checks that bytes of the source that a terminal would interpret or hide
// (control characters, bytes that are not UTF-8, a byte order mark) are shown escaped in the
// snippet, and that the highlight stays on the characters it covers.
func TestRenderEscapesSource(t *testing.T) {
	src := map[string][]byte{"bin.hcl": []byte("a\x1b[31m\xff\xfe = \"\ufeff\"\tx\r\n")}
	d := NewDiagnostic(&hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid character encoding",
		Detail:   "Found \x07 here.",
		Subject:  rng("bin.hcl", 1, 2, 1, 1, 3, 7), // "\x1b[31m\xff"
	}, src)
	want := "\nError: Invalid character encoding\n\n" +
		"  on bin.hcl line 1:\n" +
		"   1: a\\x1b[31m\\xff\\xfe = \"\\ufeff\"\tx\n\n" +
		"Found \\a here.\n"
	if diff := cmp.Diff(want, renderPlain(d, 78)); diff != "" {
		t.Errorf("plain (-want +got):\n%s", diff)
	}
	boxed := renderBoxed(d, tags, 78)
	if !strings.Contains(boxed, "   1: a[underline]\\x1b[31m\\xff[reset]\\xfe = ") {
		t.Errorf("boxed: the highlight is not on the escaped bytes:\n%s", boxed)
	}
	for _, out := range []string{renderPlain(d, 78), boxed} {
		for _, r := range out {
			if r != '\n' && r != '\t' && !strconv.IsPrint(r) {
				t.Errorf("output holds %U raw:\n%q", r, out)
			}
		}
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain text ± é":  "plain text ± é",
		"tab\tkept":       "tab\tkept",
		"\x00\x1b\r\x7f":  `\x00\x1b\r\x7f`,
		"\xff\xc3":        `\xff\xc3`,
		"rlo\u202eoff":    `rlo\u202eoff`,
		"zero\u200bwidth": `zero\u200bwidth`,
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}
