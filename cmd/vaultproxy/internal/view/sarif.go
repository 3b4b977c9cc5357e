package view

import (
	"bytes"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

// ToolURI is the tool's home, SARIF's informationUri.
const ToolURI = "https://github.com/vaultproxy/vaultproxy"

// WriteSARIF writes r as a SARIF 2.1.0 log, the format code scanning (GitHub's, Azure DevOps')
// reads, with the go-sarif library: one run of the tool "vaultproxy"; a rule for every code
// checked, with its description and the link to its section of docs/diagnostics.md; a result for
// every diagnostic, with its code as ruleId (and the rule's index), level "error" or "warning", the
// summary and detail as message, and, when it has a range, the file and region.
//
// Columns are counted in UTF-16 code units, SARIF's default columnKind, from the file's bytes
// (hcl counts grapheme clusters); where the source is not known, hcl's columns are given as they
// are. A region's endColumn is exclusive in SARIF as hcl's End is.
func WriteSARIF(w io.Writer, r *Report) error {
	run := sarif.NewRunWithInformationURI("vaultproxy", ToolURI)
	run.Tool.Driver.WithVersion(r.ToolVersion)
	run.WithColumnKind("utf16CodeUnits")
	for _, c := range r.Rules {
		run.AddRule(c.Name).
			WithDescription(c.Description).
			WithHelpURI(DocsURL + "#" + c.Name)
	}
	for _, name := range r.files() {
		run.AddDistinctArtifact(artifactURI(name))
	}
	for _, d := range r.diagnostics() {
		level := "warning"
		if d.Severity == SeverityError {
			level = "error"
		}
		res := sarif.NewResult().
			WithLevel(level).
			WithMessage(sarif.NewTextMessage(message(d)))
		if d.Code != "" {
			res.WithRuleID(d.Code)
			if i := run.GetRuleIndex(d.Code); i >= 0 {
				res.WithRuleIndex(i)
			}
		}
		if d.Range != nil {
			res.AddLocation(sarif.NewLocationWithPhysicalLocation(
				sarif.NewPhysicalLocation().
					WithArtifactLocation(sarif.NewSimpleArtifactLocation(artifactURI(d.Range.Filename))).
					WithRegion(sarifRegion(d.Range, r.Sources[d.Range.Filename]))))
		}
		run.AddResult(res)
	}
	log := sarif.NewReport()
	log.AddRun(run)
	if err := log.PrettyWrite(w); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// artifactURI is a file name as a URI reference: a relative path stays relative (to the directory
// validate ran in, which code scanning takes as the repository's root), slash-separated and
// escaped; an absolute path becomes a file: URI.
func artifactURI(name string) string {
	u := url.URL{Path: filepath.ToSlash(name)}
	if filepath.IsAbs(name) {
		u.Scheme = "file"
		if !strings.HasPrefix(u.Path, "/") {
			u.Path = "/" + u.Path // a Windows drive letter
		}
	}
	return u.String()
}

func sarifRegion(r *DiagnosticRange, src []byte) *sarif.Region {
	return sarif.NewRegion().
		WithStartLine(r.Start.Line).
		WithStartColumn(utf16Column(src, r.Start)).
		WithEndLine(r.End.Line).
		WithEndColumn(utf16Column(src, r.End))
}

// utf16Column is p's column counted in UTF-16 code units from the start of its line in src, plus
// one; hcl's column when src is not there (nil, or shorter than p says).
func utf16Column(src []byte, p Pos) int {
	if src == nil || p.Byte < 0 || p.Byte > len(src) {
		return p.Column
	}
	line := src[:p.Byte]
	if i := bytes.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:]
	}
	n := 0
	for len(line) > 0 {
		r, size := utf8.DecodeRune(line)
		line = line[size:]
		n += utf16.RuneLen(r) // an invalid byte decodes as U+FFFD, one unit
	}
	return n + 1
}
