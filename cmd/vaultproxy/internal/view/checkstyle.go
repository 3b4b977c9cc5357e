package view

import (
	"encoding/xml"
	"io"
)

// checkstyleVersion is the version attribute that Checkstyle 4.3 and later write, which readers of
// the format (reviewdog, Jenkins' Warnings plugin) accept.
const checkstyleVersion = "4.3"

type checkstyleDoc struct {
	XMLName xml.Name         `xml:"checkstyle"`
	Version string           `xml:"version,attr"`
	Files   []checkstyleFile `xml:"file"`
}

type checkstyleFile struct {
	Name   string            `xml:"name,attr"`
	Errors []checkstyleError `xml:"error"`
}

type checkstyleError struct {
	Line     int    `xml:"line,attr,omitempty"`
	Column   int    `xml:"column,attr,omitempty"`
	Severity string `xml:"severity,attr"`
	Message  string `xml:"message,attr"`
	Source   string `xml:"source,attr,omitempty"`
}

// WriteCheckstyle writes r as Checkstyle's XML report: a <file> for every file read, in name order,
// each with an <error> for each of its diagnostics (severity "error" or "warning", the code as the
// source, "vaultproxy.CODE", where Checkstyle names its check). Diagnostics without a range (from
// the environment or the command line) go in a <file> with an empty name, after the others, since
// the format has no place for them outside a file, and without a line (not line="0", which readers
// take for a position in that file).
func WriteCheckstyle(w io.Writer, r *Report) error {
	doc := checkstyleDoc{Version: checkstyleVersion}
	index := map[string]int{}
	for _, name := range r.files() {
		index[name] = len(doc.Files)
		doc.Files = append(doc.Files, checkstyleFile{Name: name})
	}
	for _, d := range r.diagnostics() {
		e := checkstyleError{Severity: d.Severity, Message: message(d)}
		if d.Code != "" {
			e.Source = "vaultproxy." + d.Code
		}
		name := ""
		if d.Range != nil {
			name, e.Line, e.Column = d.Range.Filename, d.Range.Start.Line, d.Range.Start.Column
		}
		i, ok := index[name]
		if !ok {
			i = len(doc.Files)
			index[name] = i
			doc.Files = append(doc.Files, checkstyleFile{Name: name})
		}
		doc.Files[i].Errors = append(doc.Files[i].Errors, e)
	}
	return writeXML(w, doc)
}

// writeXML writes v as an indented XML document with its declaration and a final newline.
func writeXML(w io.Writer, v any) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
