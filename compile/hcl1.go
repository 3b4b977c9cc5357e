package compile

import (
	"bytes"
	"fmt"
	"math/big"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/diagcode"
)

// Vault Proxy parses its configuration with HCL 1, and vaultproxy with HCL 2 (hclsyntax), which is
// stricter about layout and has templates. A file that hcl/v2 refuses is read again with HCL 1
// (readHCL1): when HCL 1 reads it, as Vault Proxy does, each of hcl/v2's errors becomes a warning that
// names the HCL 1 form and says that `vaultproxy fmt` rewrites the file into canonical HCL 2, and each
// form that hcl/v2 did not reach (it stops at its first error in a block) gets one too (findForms).
// When HCL 1 refuses the file too, hcl/v2's errors stand, and explainHCL1 adds to each one that an
// HCL 1 form causes the rewrite. hcl/v2's messages are written for HCL 2 users ("Did you mean
// "for"?" for a literal "%{"). docs/differences.md ("HCL 1 syntax is a warning") lists the forms.

var (
	codeHCL1Syntax = diagcode.New("hcl1_syntax",
		"A syntax error in HCL 2 that Vault Proxy's HCL 1 accepts (commas between arguments, several on a line...), in a file with another error that HCL 1 refuses too; the detail gives the rewrite.",
		"vault { address = \"https://vault:8200\", namespace = \"team\" }\nlistener \"tcp\" {")
	codeHCL1Form = diagcode.New("hcl1_form",
		"An HCL 1 form that HCL 2 refuses (commas between arguments, several arguments on a line, a hexadecimal number...), read as Vault Proxy's HCL 1 reads it; vaultproxy fmt rewrites the file into canonical HCL 2.",
		"vault { address = \"https://vault:8200\", namespace = \"team\" }")
)

// hcl1FmtSentence ends every hcl1_form warning.
const hcl1FmtSentence = "vaultproxy reads the file as Vault Proxy does, with HCL 1; `vaultproxy fmt` rewrites it into canonical HCL 2."

// readHCL1 reads src, a native-syntax file that hcl/v2 refuses with diags, with HCL 1. It returns the
// file as hclsyntax nodes, each of hcl/v2's errors as an hcl1_form warning, a warning for each other
// HCL 1 form and each hexadecimal number (with the value it is read as), and what reading the values
// found; ok is false when HCL 1 refuses the file too.
func readHCL1(src []byte, name string, diags hcl.Diagnostics) (*hcl.File, hcl.Diagnostics, bool) {
	body, r, ok := parseHCL1(src, name)
	if !ok {
		return nil, nil, false
	}
	var out hcl.Diagnostics
	var unexplained *hcl.Diagnostic
	for _, d := range explainHCL1(diags, src) {
		switch {
		case d.Severity != hcl.DiagError:
			out = append(out, d)
		case diagcode.Of(d) == codeHCL1Syntax:
			if d.Summary == "Missing newline after argument" && hexNumber(d, src) != "" {
				continue // hexWarning says more, at each hexadecimal number
			}
			w := *d
			w.Severity = hcl.DiagWarning
			w.Detail += " " + hcl1FmtSentence
			out = append(out, codeHCL1Form.Set(&w))
		case d.Summary == "Attribute redefined":
			// Vault Proxy refuses it too: the HCL 1 reader reports it (hcl1Reader.body).
		case unexplained == nil:
			unexplained = d
		}
	}
	if unexplained != nil {
		// hcl/v2 gives up at its first error in a block: only the first that no hint explains is shown.
		out = append(out, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "HCL 1 syntax",
			Detail: fmt.Sprintf("HCL 2 refuses this (%s: %s), but Vault Proxy's HCL 1 reads it. %s",
				unexplained.Summary, strings.TrimSpace(unexplained.Detail), hcl1FmtSentence),
			Subject: unexplained.Subject,
			Context: unexplained.Context,
			Extra:   codeHCL1Form,
		})
	}
	out = append(out, newForms(r.forms, out)...)
	out = append(out, newExactForms(r.exact, out)...)
	for _, h := range r.hex {
		out = append(out, hexWarning(h))
	}
	out = append(out, r.diags...)
	return &hcl.File{Body: body, Bytes: src}, out, true
}

// hexWarning says what Vault Proxy reads a hexadecimal number as: HCL 1's decoder reads it with
// strconv.ParseInt(text, 0, 0) for a number, and keeps its text for a string (decoder.go decodeInt,
// decodeString).
func hexWarning(h hcl1Hex) *hcl.Diagnostic {
	decimal := h.val.AsBigFloat().Text('f', -1)
	return &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  "Hexadecimal number",
		Detail: fmt.Sprintf("Vault Proxy's HCL 1 reads %s as the hexadecimal number %s, or keeps the text %q for a string setting, and so does vaultproxy; HCL 2 has no hexadecimal numbers. %s, where it is written %s, or %q for a string setting.",
			h.text, decimal, h.text, strings.TrimSuffix(hcl1FmtSentence, "."), decimal, h.text),
		Subject: h.rng.Ptr(),
		Extra:   codeHCL1Form,
	}
}

// explainHCL1 returns the parse diagnostics of a native-syntax file with a sentence added to the
// Detail of each one that HCL 1 syntax causes. src is the file's content. The diagnostics are
// copied, never changed in place.
func explainHCL1(diags hcl.Diagnostics, src []byte) hcl.Diagnostics {
	out := make(hcl.Diagnostics, len(diags))
	for i, d := range diags {
		out[i] = d
		hint := hcl1Hint(d, src)
		if hint == "" {
			continue
		}
		c := *d
		if c.Summary == "Invalid template control keyword" {
			// hcl/v2 suggests the closest keyword, but the text is almost always literal.
			c.Detail = strings.TrimSpace(didYouMean.ReplaceAllString(c.Detail, ""))
		}
		if c.Detail != "" && !strings.HasSuffix(c.Detail, " ") {
			c.Detail += " "
		}
		c.Detail += hint
		out[i] = codeHCL1Syntax.Set(&c)
	}
	return out
}

const (
	hcl1OwnLine = "Write each argument on a line of its own, and the block's closing brace on a line of its own."
	// hcl1Prefix starts every hint, so that each says where the difference comes from.
	hcl1Prefix = "Vault Proxy's HCL 1 accepts "
)

var (
	hexTail   = regexp.MustCompile(`^[xX][0-9a-fA-F]+`)
	identHead = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*`)
	// quotedBlockType is a quoted name followed by a label or an opening brace, not by "=".
	quotedBlockType = regexp.MustCompile(`^"[^"\n]*"[ \t]*(["{]|[A-Za-z_])`)
	// didYouMean is hcl/v2's suggestion of a template keyword.
	didYouMean = regexp.MustCompile(` ?Did you mean "[^"]*"\?`)
)

// hcl1Hint is the sentence to add to d, or "" when d is not one that HCL 1 syntax causes.
func hcl1Hint(d *hcl.Diagnostic, src []byte) string {
	if d.Severity != hcl.DiagError {
		return ""
	}
	subject := subjectText(d, src)
	switch d.Summary {
	case "Invalid single-argument block definition":
		hint := hcl1Prefix + "several arguments on the line of a block's opening brace; vaultproxy reads HCL 2, where a block written on one line holds a single argument. " + hcl1OwnLine
		if strings.HasPrefix(subject, ",") {
			hint += " HCL 1 also accepts commas between arguments: remove them."
		}
		return hint
	case "Argument definition required":
		// Only a block written on one line reports this: its body holds a block or a label.
		return hcl1Prefix + "a nested block inside a block written on one line (vault { retry { num_retries = 5 } }); vaultproxy reads HCL 2, which does not. Write the outer block over several lines, with the nested block on a line of its own."
	case "Unexpected comma after argument":
		return hcl1Prefix + "commas between arguments; vaultproxy reads HCL 2, which separates them with newlines only. Remove the comma."
	case "Missing newline after argument":
		switch {
		case hexNumber(d, src) != "":
			return hexNumber(d, src)
		case strings.HasPrefix(subject, "}"):
			return hcl1Prefix + "a block's closing brace on the line of its last argument; vaultproxy reads HCL 2, where it goes on a line of its own."
		case identHead.MatchString(subject):
			return hcl1Prefix + "several arguments on one line; vaultproxy reads HCL 2, where each argument goes on a line of its own."
		}
	case "Missing newline after block definition":
		if strings.HasPrefix(subject, "}") {
			return ""
		}
		return hcl1Prefix + "another block or argument after a block's closing brace, on the same line; vaultproxy reads HCL 2, where each block or argument starts on a line of its own."
	case "Invalid block definition":
		if !strings.HasPrefix(subject, "\n") && !strings.HasPrefix(subject, "\r\n") {
			return ""
		}
		header := ""
		if d.Context != nil {
			header = strings.TrimSpace(rangeText(*d.Context, src))
		}
		hint := hcl1Prefix + "a block's opening brace on the line after its header; vaultproxy reads HCL 2, where it goes on the same line"
		if header != "" && !strings.ContainsAny(header, "\r\n") {
			hint += fmt.Sprintf(": %s {", header)
		}
		return hint + "."
	case "Invalid argument name":
		if !strings.HasPrefix(subject, `"`) {
			break
		}
		if quotedBlockType.MatchString(subject) {
			return hcl1Prefix + `a quoted block type ("listener" "tcp" { ... }); vaultproxy reads HCL 2, where a block type is not quoted. Remove the quotes.`
		}
		return hcl1Prefix + `a quoted name ("address" = ...); vaultproxy reads HCL 2, where names are not quoted. Remove the quotes.`
	}
	if isTemplateDiagnostic(d.Summary) {
		return templateHint(d, src)
	}
	return ""
}

// isTemplateDiagnostic reports the summaries of hclsyntax's errors in a string's template sequences
// (parser_template.go): HCL 1 has no templates, so it reads those characters as text.
func isTemplateDiagnostic(summary string) bool {
	switch {
	case strings.HasPrefix(summary, "Invalid template "), summary == "Invalid 'for' directive",
		strings.HasPrefix(summary, "Unexpected ") && strings.HasSuffix(summary, " directive"),
		summary == "Unexpected end of template",
		strings.HasPrefix(summary, "Extra characters in ") && strings.HasSuffix(summary, " marker"),
		summary == "Extra characters after interpolation expression":
		return true
	}
	return false
}

// templateHint explains the template sequence that the subject belongs to: the last "%{" or "${" on
// its line before the subject's end.
func templateHint(d *hcl.Diagnostic, src []byte) string {
	marker := "%{"
	if d.Subject != nil && d.Subject.End.Byte <= len(src) && d.Subject.Start.Byte >= 0 {
		end := d.Subject.End.Byte
		lineStart := bytes.LastIndexByte(src[:d.Subject.Start.Byte], '\n') + 1
		before := src[lineStart:end]
		if bytes.LastIndex(before, []byte("${")) > bytes.LastIndex(before, []byte("%{")) {
			marker = "${"
		}
	}
	escaped, unicode, what := "%%{", `\u0025{`, "a template directive"
	if marker == "${" {
		escaped, unicode, what = "$${", `\u0024{`, "an interpolation"
	}
	return fmt.Sprintf("%sa literal %q in a string; vaultproxy reads HCL 2, where it starts %s. Write %s for the literal text "+
		"(vaultproxy reads it as %s, but Vault Proxy keeps both characters), or %s, which both read as %s.",
		hcl1Prefix, marker, what, escaped, marker, unicode, marker)
}

// hexNumber explains "0x10" when the subject of d is the "x10" that follows a number 0, and is "" otherwise.
func hexNumber(d *hcl.Diagnostic, src []byte) string {
	if d.Subject == nil {
		return ""
	}
	start := d.Subject.Start.Byte
	if start < 1 || start > len(src) || src[start-1] != '0' {
		return ""
	}
	digits := hexTail.Find(src[start:])
	if digits == nil {
		return ""
	}
	// The 0 must be a number of its own, not the end of 10 or of a name.
	if start >= 2 && (isIdentByte(src[start-2]) || src[start-2] == '.') {
		return ""
	}
	n, ok := new(big.Int).SetString(string(digits[1:]), 16)
	if !ok {
		return ""
	}
	neg := start >= 2 && src[start-2] == '-'
	written := "0" + string(digits)
	decimal := n.String()
	if neg {
		written, decimal = "-"+written, "-"+decimal
	}
	return fmt.Sprintf("Vault Proxy's HCL 1 reads %s as a hexadecimal number; vaultproxy reads HCL 2, which has no hexadecimal numbers. Write it in decimal: %s.",
		written, decimal)
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// subjectText is the source from the start of d's subject to the end of the file ("" without a
// subject).
func subjectText(d *hcl.Diagnostic, src []byte) string {
	if d.Subject == nil || d.Subject.Start.Byte < 0 || d.Subject.Start.Byte > len(src) {
		return ""
	}
	return string(src[d.Subject.Start.Byte:])
}

// rangeText is the source of r, or "" when r is not in src.
func rangeText(r hcl.Range, src []byte) string {
	if r.Start.Byte < 0 || r.End.Byte > len(src) || r.Start.Byte > r.End.Byte {
		return ""
	}
	return string(src[r.Start.Byte:r.End.Byte])
}
