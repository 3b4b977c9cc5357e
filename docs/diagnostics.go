package docs

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/vaultproxy/vaultproxy/diagcode"
)

//go:generate go test . -run TestDiagnosticsDoc -update

// DiagnosticsFile is the list of diagnostic codes, generated from the codes compile and validate
// declare.
const DiagnosticsFile = "diagnostics.md"

// Diagnostics writes the list of every registered diagnostic code (diagcode.All, which holds
// compile's and validate's codes, both linked into this package) to w: the content of
// docs/diagnostics.md.
func Diagnostics(w io.Writer) error {
	return RenderCodes(w, diagcode.All())
}

// RenderCodes writes codes, in the order given, as GitHub-flavoured Markdown: a table of every code
// with its description, then a section per code with its example. The output depends only on codes.
func RenderCodes(w io.Writer, codes []*diagcode.Code) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format+"\n", args...) }
	p("# Diagnostic codes")
	p("")
	p("<!-- Generated from the codes declared in compile/ and validate/ (package diagcode). Do not edit:")
	p("     run `go test ./docs -run TestDiagnosticsDoc -update`. -->")
	p("")
	p("Every diagnostic that `vaultproxy validate`, `plan` and `run` report has a stable code, in snake_case.")
	p("`validate -json` gives it as the `code` field of each diagnostic, beside Terraform's fields, which")
	p("Terraform's JSON readers ignore. A code names what is wrong: match on it, not on the summary or the")
	p("detail, which are prose and may be reworded. A code is never reused for a different problem. The")
	p("human output shows no code, as Terraform's shows none.")
	p("")
	p("The CI formats of `validate -format` carry it too: SARIF's `ruleId` (each rule's `helpUri` links to")
	p("its section below), the `title` of a GitHub workflow command, the name of a JUnit testcase, a")
	p("checkstyle `source` (`vaultproxy.CODE`), and the brackets that end a `compact` line.")
	p("")
	p("Each code is declared once, beside the check that emits it, with the description below; every code")
	p("is produced by at least one of the golden cases under `fixtures/`, which pin it.")
	p("")
	p("| Code | Meaning |")
	p("|---|---|")
	for _, c := range codes {
		p("| [`%s`](#%s) | %s |", c.Name, githubSlug(c.Name), cell(c.Description))
	}
	for _, c := range codes {
		p("")
		p("## %s", c.Name)
		p("")
		p("%s", text(c.Description))
		p("")
		lang, example := "hcl", c.Example
		switch {
		case strings.HasPrefix(example, "$ "):
			lang = "sh"
		case strings.HasPrefix(example, "{"):
			lang = "json"
		}
		p("```%s", lang)
		p("%s", example)
		p("```")
	}
	return bw.Flush()
}
