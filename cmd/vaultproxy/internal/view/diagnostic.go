package view

import (
	"bufio"
	"bytes"
	"strings"
	"unicode"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcled"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/vaultproxy/vaultproxy/diagcode"
)

// The values of Diagnostic.Severity.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
	SeverityUnknown = "unknown" // hcl.DiagInvalid or any other value
)

// Diagnostic is one diagnostic as machine-readable output shows it. Its JSON
// form is the object that Terraform's `validate -json` prints for each
// diagnostic: severity, summary and detail are always present (detail may be
// ""); range is present only when the diagnostic has a Subject; snippet is
// present only when, in addition, the source of the Subject's file is known.
// One field is ours: code, the diagnostic's stable name (package diagcode),
// present when it has one. Terraform's JSON readers ignore fields they do not
// know, so the document still reads as Terraform's.
type Diagnostic struct {
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail"`

	// Code is the diagnostic's code (unsupported_argument), or "" for none.
	Code string `json:"code,omitempty"`

	// Address is an optional name of the object the diagnostic is about.
	// NewDiagnostic never sets it; a caller may. The human output shows it
	// as "  with ADDRESS," above the source location.
	Address string `json:"address,omitempty"`

	Range   *DiagnosticRange   `json:"range,omitempty"`
	Snippet *DiagnosticSnippet `json:"snippet,omitempty"`
}

// Pos is a position in a source file. Line and Column are 1-based, Column
// counts characters (grapheme clusters, as hcl does), and Byte is the 0-based
// byte offset in the file.
type Pos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// DiagnosticRange is the range of source a diagnostic is about: Start is
// inclusive and End is exclusive. An empty Subject is widened by one byte and
// one column, so that there is always something to point at.
type DiagnosticRange struct {
	Filename string `json:"filename"`
	Start    Pos    `json:"start"`
	End      Pos    `json:"end"`
}

// DiagnosticSnippet is the source code around a diagnostic.
type DiagnosticSnippet struct {
	// Context is the header of the enclosing top-level block in native
	// syntax (`listener "tcp"`) or the property path in JSON syntax
	// (`listener.tcp`), or nil (JSON null) when there is none.
	Context *string `json:"context"`

	// Code is every source line that overlaps the snippet range (the
	// Subject together with the Context range), joined with "\n", without a
	// trailing newline.
	Code string `json:"code"`

	// StartLine is the line number of the first line of Code.
	StartLine int `json:"start_line"`

	// HighlightStartOffset and HighlightEndOffset delimit the Subject in
	// Code. They are byte offsets (not character offsets) and always lie in
	// [0, len(Code)].
	HighlightStartOffset int `json:"highlight_start_offset"`
	HighlightEndOffset   int `json:"highlight_end_offset"`

	// Values lists the values of the references in the failing
	// expression, when the diagnostic carries the expression and its
	// EvalContext (a failed assertion of `vaultproxy test`); it is empty
	// otherwise (never nil, so that the JSON has []).
	Values []DiagnosticExpressionValue `json:"values"`
}

// DiagnosticExpressionValue is one entry of DiagnosticSnippet.Values, for
// example {"traversal":"var.x","statement":"is \"abc\""}.
type DiagnosticExpressionValue struct {
	Traversal string `json:"traversal"`
	Statement string `json:"statement"`
}

// NewDiagnostic converts one hcl.Diagnostic to its machine-readable form.
// sources maps file names, as they appear in the diagnostic's ranges, to the
// bytes of those files; it may be nil. It returns nil for a nil diagnostic.
func NewDiagnostic(d *hcl.Diagnostic, sources map[string][]byte) *Diagnostic {
	return newSourceSet(sources).diagnostic(d)
}

// SeverityString returns the severity word used in the JSON and one-line
// outputs: "error", "warning" or "unknown".
func SeverityString(s hcl.DiagnosticSeverity) string {
	switch s {
	case hcl.DiagError:
		return SeverityError
	case hcl.DiagWarning:
		return SeverityWarning
	default:
		return SeverityUnknown
	}
}

// sourceSet holds the source files and the files parsed from them, so that
// a run over many diagnostics parses each file at most once.
type sourceSet struct {
	src    map[string][]byte
	parsed map[string]*hcl.File
}

func newSourceSet(src map[string][]byte) *sourceSet {
	return &sourceSet{src: src, parsed: map[string]*hcl.File{}}
}

// file parses the named source in its syntax, which its content decides as
// the compiler (and Vault Proxy's HCL 1) decides it: JSON when the first
// character other than white space (after a byte order mark) is "{", native
// syntax otherwise, whatever the name. Parse errors do not matter: the parsers
// recover as much structure as they can, which is all the context string
// needs.
func (s *sourceSet) file(name string, src []byte) *hcl.File {
	if f, ok := s.parsed[name]; ok {
		return f
	}
	p := hclparse.NewParser()
	var f *hcl.File
	if isJSON(src) {
		f, _ = p.ParseJSON(src, name)
	} else {
		f, _ = p.ParseHCL(src, name)
	}
	s.parsed[name] = f
	return f
}

func (s *sourceSet) diagnostic(d *hcl.Diagnostic) *Diagnostic {
	if d == nil {
		return nil
	}
	out := &Diagnostic{
		Severity: SeverityString(d.Severity),
		Summary:  d.Summary,
		Detail:   d.Detail,
		Code:     diagcode.Name(d),
	}
	if d.Subject == nil {
		return out
	}

	highlight := *d.Subject
	// Some diagnostics leave the end of the subject unset.
	if highlight.End == (hcl.Pos{}) {
		highlight.End = highlight.Start
	}
	snippetRange := highlight
	// A Context in another file than the Subject cannot be shown with it.
	if d.Context != nil && d.Context.Filename == highlight.Filename {
		snippetRange = *d.Context
	}
	// The snippet must include the highlight, whatever the Context says.
	snippetRange = hcl.RangeOver(snippetRange, highlight)
	// An empty range would show nothing: widen it by one byte and column.
	if snippetRange.Empty() {
		snippetRange.End.Byte++
		snippetRange.End.Column++
	}
	if highlight.Empty() {
		highlight.End.Byte++
		highlight.End.Column++
	}

	out.Range = &DiagnosticRange{
		Filename: highlight.Filename,
		Start:    pos(highlight.Start),
		End:      pos(highlight.End),
	}

	src, ok := s.src[highlight.Filename]
	if !ok {
		return out
	}
	out.Snippet = s.snippet(src, highlight, snippetRange)
	out.Snippet.Values = expressionValues(d)
	return out
}

func (s *sourceSet) snippet(src []byte, highlight, snippetRange hcl.Range) *DiagnosticSnippet {
	sn := &DiagnosticSnippet{
		StartLine: snippetRange.Start.Line,
		Values:    []DiagnosticExpressionValue{},
	}

	// The context is looked up just before the subject, so that a subject
	// that starts a block (its type name, say) does not name its own block.
	if f := s.file(highlight.Filename, src); f != nil {
		if c := hcled.ContextString(f, highlight.Start.Byte-1); c != "" {
			sn.Context = &c
		}
	}

	// Collect the whole lines that overlap the snippet range (they are
	// consecutive), remembering where each starts in the file and in Code.
	var code strings.Builder
	var lines []codeLine
	sc := hcl.NewRangeScanner(src, highlight.Filename, bufio.ScanLines)
	for sc.Scan() {
		line := sc.Range()
		if !lineOverlaps(line, snippetRange) {
			continue
		}
		text := line.SliceBytes(src)
		lines = append(lines, codeLine{file: line.Start.Byte, code: code.Len(), len: len(text)})
		code.Write(text)
		code.WriteByte('\n')
	}
	sn.Code = strings.TrimSuffix(code.String(), "\n")

	// The highlight as byte offsets into Code, within [0, len(Code)].
	sn.HighlightStartOffset = codeOffset(lines, highlight.Start.Byte)
	sn.HighlightEndOffset = codeOffset(lines, highlight.End.Byte)
	return sn
}

// codeLine is one line of a snippet's code: its start in the file and in the
// code, and its length without the line break.
type codeLine struct{ file, code, len int }

// codeOffset maps the byte offset off in the file to the code made of lines.
// Within a line's text the distance from the line's start is kept; a line
// break maps to the "\n" that ends the line in the code (even a "\r\n",
// which is two bytes in the file but one in the code); an offset before the
// first line maps to 0 and one after the last line to the end of the code.
//
// For files with "\n" line breaks this gives exactly Terraform's offsets:
// the distance from the start of the code, clamped to [0, len(code)].
// Terraform's arithmetic would misplace the highlight by one byte for every
// "\r\n" before it.
func codeOffset(lines []codeLine, off int) int {
	for i := len(lines) - 1; i >= 0; i-- {
		if l := lines[i]; off >= l.file {
			return l.code + min(off-l.file, l.len)
		}
	}
	return 0
}

// lineOverlaps reports whether a source line (its range excludes the line
// break) belongs in the snippet for r. For non-empty lines this is exactly
// hcl.Range.Overlaps, which Terraform uses: the line is taken when the
// ranges intersect, and also when r starts at the line's newline or ends
// exactly at the line's start. Unlike Overlaps, an empty line inside r is
// kept too, so that a multi-line snippet has no holes and its line numbers
// stay right.
func lineOverlaps(line, r hcl.Range) bool {
	if line.Filename != r.Filename || r.Empty() {
		return false
	}
	return line.Start.Byte <= r.End.Byte && r.Start.Byte <= line.End.Byte
}

func pos(p hcl.Pos) Pos {
	return Pos{Line: p.Line, Column: p.Column, Byte: p.Byte}
}

// clamp returns v limited to [lo, hi].
func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// isJSON is the rule that decides a source's syntax (compile.Source).
func isJSON(src []byte) bool {
	trimmed := bytes.TrimLeftFunc(bytes.TrimPrefix(src, []byte{0xEF, 0xBB, 0xBF}), unicode.IsSpace)
	return len(trimmed) > 0 && trimmed[0] == '{'
}
