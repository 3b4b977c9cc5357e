package view

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/fixtures"
)

// sarifSchemaFile is the SARIF 2.1.0 JSON schema as OASIS publishes it (testdata/README.md gives
// its source), against which every SARIF log the tests write is validated.
const sarifSchemaFile = "testdata/sarif-schema-2.1.0.json"

func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(sarifSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat() // "uri" and the like are checked, not only the structure
	if err := c.AddResource(sarifSchemaFile, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(sarifSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// TestSARIFSchema validates the SARIF log of every golden case of fixtures/ (and of the formats
// golden file) against the SARIF 2.1.0 schema, and checks what the schema cannot: one run, a result
// per diagnostic whose ruleId names a rule at its ruleIndex, and a region for every ranged one.
func TestSARIFSchema(t *testing.T) {
	sch := sarifSchema(t)
	reports := fixtureReports(t)
	names := make([]string, 0, len(reports))
	for n := range reports {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		r := reports[name]
		var b bytes.Buffer
		if err := WriteSARIF(&b, r); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s: the SARIF log is not valid SARIF 2.1.0: %v", name, err)
			continue
		}
		checkSARIFResults(t, name, b.Bytes(), r)
	}
}

func checkSARIFResults(t *testing.T, name string, doc []byte, r *Report) {
	t.Helper()
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID      string `json:"id"`
						HelpURI string `json:"helpUri"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex *int   `json:"ruleIndex"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string } `json:"artifactLocation"`
						Region           *struct {
							StartLine, StartColumn, EndLine, EndColumn int
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(doc, &log); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%s: %d runs, want 1", name, len(log.Runs))
	}
	run := log.Runs[0]
	for _, rule := range run.Tool.Driver.Rules {
		if rule.HelpURI != DocsURL+"#"+rule.ID {
			t.Errorf("%s: rule %s: helpUri %q", name, rule.ID, rule.HelpURI)
		}
	}
	if len(run.Results) != len(r.Diagnostics) {
		t.Fatalf("%s: %d results for %d diagnostics", name, len(run.Results), len(r.Diagnostics))
	}
	for i, res := range run.Results {
		d := NewDiagnostic(r.Diagnostics[i], r.Sources)
		wantLevel := map[string]string{SeverityError: "error"}[d.Severity]
		if wantLevel == "" {
			wantLevel = "warning"
		}
		if res.RuleID != d.Code || res.Level != wantLevel {
			t.Errorf("%s: result %d: ruleId %q level %q, want %q %q", name, i, res.RuleID, res.Level, d.Code, wantLevel)
		}
		if res.RuleIndex == nil || run.Tool.Driver.Rules[*res.RuleIndex].ID != res.RuleID {
			t.Errorf("%s: result %d: ruleIndex %v does not name rule %s", name, i, res.RuleIndex, res.RuleID)
		}
		if d.Range == nil {
			continue
		}
		if len(res.Locations) != 1 || res.Locations[0].PhysicalLocation.Region == nil {
			t.Errorf("%s: result %d has no region", name, i)
			continue
		}
		reg := res.Locations[0].PhysicalLocation.Region
		if reg.StartLine != d.Range.Start.Line || reg.EndLine != d.Range.End.Line || reg.StartColumn < 1 || reg.EndColumn < 1 {
			t.Errorf("%s: result %d: region %+v for range %+v", name, i, *reg, *d.Range)
		}
	}
}

// TestXMLFormats reads the checkstyle and JUnit reports of every golden case back with
// encoding/xml and counts: a checkstyle <error> per diagnostic, and in JUnit a failing testcase per
// distinct (file, code), with testsuites' counts that add up.
func TestXMLFormats(t *testing.T) {
	for name, r := range fixtureReports(t) {
		var cs, ju bytes.Buffer
		if err := WriteCheckstyle(&cs, r); err != nil {
			t.Fatal(err)
		}
		if err := WriteJUnit(&ju, r); err != nil {
			t.Fatal(err)
		}
		var c checkstyleDoc
		if err := xml.Unmarshal(cs.Bytes(), &c); err != nil {
			t.Fatalf("%s: checkstyle: %v", name, err)
		}
		n := 0
		for _, f := range c.Files {
			n += len(f.Errors)
		}
		if n != len(r.Diagnostics) {
			t.Errorf("%s: checkstyle has %d errors for %d diagnostics", name, n, len(r.Diagnostics))
		}

		var j junitSuites
		if err := xml.Unmarshal(ju.Bytes(), &j); err != nil {
			t.Fatalf("%s: junit: %v", name, err)
		}
		fileCodes := map[string]bool{}
		for _, d := range r.diagnostics() {
			file := NoFileSuite
			if d.Range != nil {
				file = d.Range.Filename
			}
			fileCodes[file+"\x00"+d.Code] = true
		}
		failures, tests := 0, 0
		for _, s := range j.Suites {
			sf := 0
			for _, tc := range s.Cases {
				if tc.Failure != nil {
					sf++
					if !strings.Contains(tc.Failure.Text, tc.Name) && tc.Name != "(no code)" {
						t.Errorf("%s: failure text of %s lacks its code: %q", name, tc.Name, tc.Failure.Text)
					}
				}
			}
			if sf != s.Failures || len(s.Cases) != s.Tests {
				t.Errorf("%s: suite %s counts %d/%d, has %d/%d", name, s.Name, s.Failures, s.Tests, sf, len(s.Cases))
			}
			failures += sf
			tests += s.Tests
		}
		if failures != len(fileCodes) || failures != j.Failures || tests != j.Tests {
			t.Errorf("%s: junit: %d failures (total says %d, tests %d/%d), want %d", name, failures, j.Failures, tests, j.Tests, len(fileCodes))
		}
	}
}

// FuzzFormats: whatever compile and validate report for any input, every machine format writes it,
// and the XML and JSON formats can be read back. Seeds: every configuration of fixtures/.
//
//	go test -run '^$' -fuzz=FuzzFormats -fuzztime=1m ./cmd/vaultproxy/internal/view/
func FuzzFormats(f *testing.F) {
	for _, dir := range []string{"cases", "compile", "validate", "cli"} {
		for _, c := range fixtures.Load(f, dir) {
			f.Add(c.Files[0].Data)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		r := compiledReport([]compile.Source{{Name: "a.hcl", Bytes: src}}, map[string][]byte{"a.hcl": src}, nil)
		for _, format := range Formats[1:] {
			var b bytes.Buffer
			if err := WriteReport(&b, format, r); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			var err error
			switch format {
			case FormatJUnit:
				err = xml.Unmarshal(b.Bytes(), &junitSuites{})
			case FormatCheckstyle:
				err = xml.Unmarshal(b.Bytes(), &checkstyleDoc{})
			case FormatSARIF, FormatJSON:
				err = json.Unmarshal(b.Bytes(), &map[string]any{})
			case FormatGitHub, FormatCompact:
				if n := strings.Count(b.String(), "\n"); n != len(r.Diagnostics) {
					err = fmt.Errorf("%d lines for %d diagnostics", n, len(r.Diagnostics))
				}
			}
			if err != nil {
				t.Fatalf("%s output does not read back: %v\n%s", format, err, b.Bytes())
			}
		}
	})
}
