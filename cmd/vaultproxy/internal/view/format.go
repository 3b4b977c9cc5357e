package view

import (
	"fmt"
	"io"
	"strings"
)

// Format is an output format of `validate -format`.
type Format string

// The formats. Human is Terraform's text and JSON its `validate -json` document; the others are
// written from a Report by the Write function of the same name.
const (
	FormatHuman      Format = "human"
	FormatJSON       Format = "json"
	FormatSARIF      Format = "sarif"
	FormatGitHub     Format = "github"
	FormatJUnit      Format = "junit"
	FormatCheckstyle Format = "checkstyle"
	FormatCompact    Format = "compact"
)

// Formats lists every format, in the order the usage text gives them.
var Formats = []Format{FormatHuman, FormatJSON, FormatSARIF, FormatGitHub, FormatJUnit, FormatCheckstyle, FormatCompact}

// ParseFormat returns the format named s, or an error that lists the formats.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown format %q: want one of %s", s, strings.Join(names, ", "))
}

// WriteReport writes r in format f, which is any format but human (the caller prints that one, to
// two streams). JSON is the `validate -json` document.
func WriteReport(w io.Writer, f Format, r *Report) error {
	switch f {
	case FormatJSON:
		return WriteValidateJSON(w, r.Diagnostics, r.Sources)
	case FormatSARIF:
		return WriteSARIF(w, r)
	case FormatGitHub:
		return WriteGitHub(w, r)
	case FormatJUnit:
		return WriteJUnit(w, r)
	case FormatCheckstyle:
		return WriteCheckstyle(w, r)
	case FormatCompact:
		return WriteCompact(w, r)
	}
	return fmt.Errorf("format %q is not written from a report", f)
}
