package view

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/mitchellh/go-wordwrap"
)

// DefaultWidth is the width the human output is wrapped to when the caller
// does not know the terminal's width (Terraform's fallback, too).
const DefaultWidth = 78

// ColorEnabled is the CLI's colour policy for human output: colour only when
// the -no-color flag is absent, the NO_COLOR environment variable is unset or
// empty (see no-color.org), and stderr is a terminal. Terraform itself only
// honours -no-color; the two other conditions are this tool's own.
func ColorEnabled(noColorFlag bool, noColorEnv string, stderrIsTerminal bool) bool {
	return !noColorFlag && noColorEnv == "" && stderrIsTerminal
}

// Printer renders diagnostics for people, in Terraform's formats.
//
// With Color it uses Terraform's boxed layout:
//
//	╷
//	│ Error: Unsupported block type
//	│
//	│   on main.hcl line 1:
//	│    1: resorce "test_instance" "foo" {
//	│
//	│ Blocks of type "resorce" are not expected here.
//	╵
//
// where the rules are red for errors and yellow for warnings, "Error: " is
// bold red, "Warning: " bold yellow, the summary bold and the highlighted
// source underlined. Without Color it uses Terraform's plain layout, meant
// for logs and automation: no box and no escape sequences, and an empty
// line before each diagnostic,
//
//	Error: Unsupported block type
//
//	  on main.hcl line 1:
//	   1: resorce "test_instance" "foo" {
//
//	Blocks of type "resorce" are not expected here.
//
// Each diagnostic is first turned into the JSON Diagnostic object and then
// rendered from it. The Printer never chooses a stream: the caller passes the
// writer (the CLI sends errors to stderr).
type Printer struct {
	// Color selects the boxed layout with ANSI escape sequences. See
	// ColorEnabled for when the CLI turns it on.
	Color bool

	// Width is the width of the terminal in columns; 0 means DefaultWidth
	// and a negative value turns wrapping off. The detail text is wrapped
	// at words to fit: to Width-3 in the boxed layout (room for "│ ") and
	// Width-1 in the plain one. Lines of the detail that start with a space
	// are never wrapped, so preformatted text stays as it is. The summary
	// and the source code are never wrapped.
	Width int
}

// PrintDiagnostic writes d, rendered against sources, to w.
func (p Printer) PrintDiagnostic(w io.Writer, d *hcl.Diagnostic, sources map[string][]byte) error {
	_, err := io.WriteString(w, p.Render(NewDiagnostic(d, sources)))
	return err
}

// PrintValidateSuccess writes validate's closing line, as Terraform does
// after the diagnostics (if any) when there is no error:
// "Success! The configuration is valid." or, when there were warnings,
// "Success! The configuration is valid, but there were some validation
// warnings as shown above.", word-wrapped to Width-1 and followed by a blank
// line. With Color, "Success!" is bold green.
func (p Printer) PrintValidateSuccess(w io.Writer, hadWarnings bool) error {
	const word = "Success!"
	rest := " The configuration is valid."
	if hadWarnings {
		rest = " The configuration is valid, but there were some validation warnings as shown above."
	}
	text := word + rest
	if width := p.width(); width > 1 {
		text = wordwrap.WrapString(text, uint(width-1))
	}
	if p.Color {
		// "Success!" has no space in it, so wrapping never splits it.
		text = ansi.green + ansi.bold + word + ansi.reset + strings.TrimPrefix(text, word)
	}
	_, err := io.WriteString(w, text+"\n\n")
	return err
}

// Render returns the human form of one diagnostic object, in the boxed
// layout when p.Color is set and the plain layout otherwise. It ends with a
// newline; a nil d gives "".
func (p Printer) Render(d *Diagnostic) string {
	if p.Color {
		return renderBoxed(d, ansi, p.width())
	}
	return renderPlain(d, p.width())
}

func (p Printer) width() int {
	if p.Width == 0 {
		return DefaultWidth
	}
	return p.Width
}

// palette holds the character sequences the boxed layout uses for its
// styles. The tests use one that spells them as Terraform's colorstring
// tags ("[red]"), which is how Terraform's own tests show this output.
type palette struct {
	red, yellow, green, darkGray, bold, underline, reset string
}

// ansi is the palette of the terminal: SGR escape sequences, with the codes
// of colorstring.DefaultColors that Terraform uses.
var ansi = palette{
	red:       "\x1b[31m",
	yellow:    "\x1b[33m",
	green:     "\x1b[32m",
	darkGray:  "\x1b[90m",
	bold:      "\x1b[1m",
	underline: "\x1b[4m",
	reset:     "\x1b[0m",
}

// renderBoxed is Terraform's format.DiagnosticFromJSON: the diagnostic
// between ╷ and ╵, every line prefixed by "│ " (a bare "│" on an empty
// line), all in the severity's colour.
func renderBoxed(d *Diagnostic, pal palette, width int) string {
	if d == nil {
		return ""
	}
	var b strings.Builder

	var ruleLine, ruleStart, ruleEnd string
	ruleWidth := 0
	switch d.Severity {
	case SeverityError:
		b.WriteString(pal.bold + pal.red + "Error: " + pal.reset)
		ruleLine = pal.red + "│" + pal.reset + " "
		ruleStart = pal.red + "╷" + pal.reset
		ruleEnd = pal.red + "╵" + pal.reset
		ruleWidth = 2
	case SeverityWarning:
		b.WriteString(pal.bold + pal.yellow + "Warning: " + pal.reset)
		ruleLine = pal.yellow + "│" + pal.reset + " "
		ruleStart = pal.yellow + "╷" + pal.reset
		ruleEnd = pal.yellow + "╵" + pal.reset
		ruleWidth = 2
	default:
		// No box for an unknown severity; an empty line sets it apart.
		b.WriteString("\n")
	}
	// The summary is never wrapped: it is meant to be terse.
	b.WriteString(pal.bold + printable(d.Summary) + pal.reset + "\n\n")
	writeSnippet(&b, d, pal)
	writeDetail(&b, d.Detail, width-ruleWidth-1)

	body := strings.TrimSuffix(b.String(), "\n")
	var out strings.Builder
	if ruleStart != "" {
		out.WriteString(ruleStart + "\n")
	}
	for _, line := range strings.Split(body, "\n") {
		prefix := ruleLine
		if line == "" {
			// No trailing space on an otherwise empty line.
			prefix = strings.TrimSuffix(prefix, " ")
		}
		out.WriteString(prefix + line + "\n")
	}
	if ruleEnd != "" {
		out.WriteString(ruleEnd + "\n")
	}
	return out.String()
}

// renderPlain is Terraform's format.DiagnosticPlainFromJSON: like the boxed
// layout without the box and without any escape sequence, and starting with
// an empty line.
func renderPlain(d *Diagnostic, width int) string {
	if d == nil {
		return ""
	}
	var b strings.Builder
	switch d.Severity {
	case SeverityError:
		b.WriteString("\nError: ")
	case SeverityWarning:
		b.WriteString("\nWarning: ")
	default:
		b.WriteString("\n")
	}
	b.WriteString(printable(d.Summary) + "\n\n")
	writeSnippet(&b, d, palette{})
	writeDetail(&b, d.Detail, width-1)
	return b.String()
}

// writeDetail writes the detail, each of its lines wrapped at words to width
// unless the line starts with a space or width is not positive.
func writeDetail(b *strings.Builder, detail string, width int) {
	if detail == "" {
		return
	}
	if width <= 0 {
		for _, line := range strings.Split(detail, "\n") {
			b.WriteString(printable(line) + "\n")
		}
		return
	}
	for _, line := range strings.Split(detail, "\n") {
		line = printable(line)
		if !strings.HasPrefix(line, " ") {
			line = wordwrap.WrapString(line, uint(width))
		}
		b.WriteString(line + "\n")
	}
}

// writeSnippet writes the address, location and source lines of d, followed
// by an empty line; it writes nothing more than the address when d has no
// range.
func writeSnippet(b *strings.Builder, d *Diagnostic, pal palette) {
	if d.Address != "" {
		fmt.Fprintf(b, "  with %s,\n", d.Address)
	}
	if d.Range == nil {
		return
	}
	sn := d.Snippet
	if sn == nil {
		fmt.Fprintf(b, "  on %s line %d:\n  (source code not available)\n\n", d.Range.Filename, d.Range.Start.Line)
		return
	}

	in := ""
	if sn.Context != nil {
		in = ", in " + printable(*sn.Context)
	}
	fmt.Fprintf(b, "  on %s line %d%s:\n", d.Range.Filename, d.Range.Start.Line, in)

	code := sn.Code
	start, end := sn.HighlightStartOffset, sn.HighlightEndOffset
	// Only a hand-made object can be out of order or out of bounds.
	if end < start {
		end = start + 1
	}
	start = clamp(start, 0, len(code))
	end = clamp(end, start, len(code))

	// The highlight is underlined line by line, so that a highlight spanning
	// lines stays underlined after the rule that starts each line.
	lineStart := 0
	for i, line := range strings.Split(code, "\n") {
		lineEnd := lineStart + len(line)
		s, e := clamp(start, lineStart, lineEnd)-lineStart, clamp(end, lineStart, lineEnd)-lineStart
		// The source may hold anything: each part is escaped on its own, so that the highlight
		// stays on the characters it covers.
		if s < e {
			line = printable(line[:s]) + pal.underline + printable(line[s:e]) + pal.reset + printable(line[e:])
		} else {
			line = printable(line)
		}
		fmt.Fprintf(b, "%4d: %s\n", sn.StartLine+i, line)
		lineStart = lineEnd + 1
	}

	if len(sn.Values) > 0 {
		fmt.Fprintf(b, "    %s├────────────────%s\n", pal.darkGray, pal.reset)
		// Sorted by traversal, as Terraform shows them.
		values := slices.Clone(sn.Values)
		slices.SortStableFunc(values, func(a, b DiagnosticExpressionValue) int {
			return strings.Compare(a.Traversal, b.Traversal)
		})
		for _, v := range values {
			fmt.Fprintf(b, "    %s│%s %s%s%s %s\n", pal.darkGray, pal.reset, pal.bold, v.Traversal, pal.reset, v.Statement)
		}
	}
	b.WriteByte('\n')
}

// printable returns s with every character that a terminal would not show as itself escaped as Go
// escapes it in a quoted string: control characters ("\x1b", "\r"), bytes that are not UTF-8
// ("\xff") and invisible or formatting characters ("\u200b", "\u202e", "\ufeff"). Tabs are kept.
// A configuration may be any file, even a binary one, and its bytes must not reach the terminal raw.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || (r != '\t' && !strconv.IsPrint(r)) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t' || strconv.IsPrint(r):
			b.WriteString(s[i : i+size])
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}
