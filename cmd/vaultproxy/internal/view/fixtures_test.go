package view

import (
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/vaultproxy/vaultproxy/fixtures"
)

// checkGolden compares got with testdata/name through the fixtures harness (go test -update
// rewrites it). Golden files are read back by people: every one of them was checked by hand against
// the format, not just accepted.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	fixtures.CheckFile(t, filepath.Join("testdata", name), got)
}

// The fixture files. The byte offsets in the comments are what the tests'
// expectations are reasoned from.
const (
	// Lines and byte ranges (end exclusive, newline not included):
	//  1 pid_file = "./pidfile"             0..22
	//  2                                   23..23
	//  3 listener "tcp" {                  24..40
	//  4   address     = "127.0.0.1:8100"  41..73
	//  5   tls_disable = true              74..94
	//  6   bogus       = 1                 95..112
	//  7 }                                113..114
	nativeName = "proxy.hcl"
	nativeSrc  = `pid_file = "./pidfile"

listener "tcp" {
  address     = "127.0.0.1:8100"
  tls_disable = true
  bogus       = 1
}
`

	// Lines and byte ranges:
	//  1 {                                   0..1
	//  2   "listener": {                     2..17
	//  3     "tcp": {                       18..30
	//  4       "address": "127.0.0.1:8100", 31..65
	//  5       "bogus": 1                   66..82
	//  6     }                              83..88
	//  7   }                                89..92
	//  8 }                                  93..94
	jsonName = "proxy.json"
	jsonSrc  = `{
  "listener": {
    "tcp": {
      "address": "127.0.0.1:8100",
      "bogus": 1
    }
  }
}
`

	// Terraform's validate-invalid fixture (internal/command/testdata/
	// validate-invalid/main.tf), first line.
	tfInvalidName = "testdata/validate-invalid/main.tf"
	tfInvalidSrc  = `resorce "test_instance" "foo" { # Intentional typo to test error reporting
  ami = "bar"

  network_interface {
    device_index = 0
    description = "Main network interface"
  }
}
`

	// ü and ï are two bytes each: "x" is column 27 but byte 28.
	unicodeName = "unicode.hcl"
	unicodeSrc  = "pid_file = \"/tmp/ünïcode\" x\n"
	// "e\u0301" is one grapheme cluster (one column) of three bytes: "x" is
	// column 21 but byte 22.
	graphemeName = "grapheme.hcl"
	graphemeSrc  = "pid_file = \"/tmp/e\u0301\" x\n"
)

func allSources() map[string][]byte {
	return map[string][]byte{
		nativeName:    []byte(nativeSrc),
		jsonName:      []byte(jsonSrc),
		tfInvalidName: []byte(tfInvalidSrc),
		unicodeName:   []byte(unicodeSrc),
		graphemeName:  []byte(graphemeSrc),
	}
}

var listenerSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "pid_file"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "listener", LabelNames: []string{"type"}}},
}

var listenerBodySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "address"}, {Name: "tls_disable"}},
}

// decodeListener decodes a proxy config the way a compiler would and returns
// hcl's own diagnostics, so that the tests see real ranges.
func decodeListener(t *testing.T, name, src string) hcl.Diagnostics {
	t.Helper()
	p := hclparse.NewParser()
	var f *hcl.File
	var diags hcl.Diagnostics
	if filepath.Ext(name) == ".json" {
		f, diags = p.ParseJSON([]byte(src), name)
	} else {
		f, diags = p.ParseHCL([]byte(src), name)
	}
	if diags.HasErrors() {
		t.Fatalf("parsing %s: %s", name, diags)
	}
	content, diags := f.Body.Content(listenerSchema)
	for _, b := range content.Blocks {
		_, more := b.Body.Content(listenerBodySchema)
		diags = append(diags, more...)
	}
	return diags
}

// only returns the one diagnostic of diags.
func only(t *testing.T, diags hcl.Diagnostics) *hcl.Diagnostic {
	t.Helper()
	if len(diags) != 1 {
		t.Fatalf("want exactly one diagnostic, got %d: %s", len(diags), diags)
	}
	return diags[0]
}

// Real diagnostics from hcl for the fixtures.

func nativeUnsupported(t *testing.T) *hcl.Diagnostic {
	return only(t, decodeListener(t, nativeName, nativeSrc))
}

func jsonExtraneous(t *testing.T) *hcl.Diagnostic {
	return only(t, decodeListener(t, jsonName, jsonSrc))
}

func tfUnsupportedBlock(t *testing.T) *hcl.Diagnostic {
	t.Helper()
	f, diags := hclparse.NewParser().ParseHCL([]byte(tfInvalidSrc), tfInvalidName)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	_, diags = f.Body.Content(&hcl.BodySchema{
		Blocks: []hcl.BlockHeaderSchema{{Type: "resource", LabelNames: []string{"type", "name"}}},
	})
	return only(t, diags)
}

func parseError(t *testing.T, name, src string) *hcl.Diagnostic {
	t.Helper()
	_, diags := hclparse.NewParser().ParseHCL([]byte(src), name)
	return only(t, diags)
}

func rng(file string, sl, sc, sb, el, ec, eb int) *hcl.Range {
	return &hcl.Range{
		Filename: file,
		Start:    hcl.Pos{Line: sl, Column: sc, Byte: sb},
		End:      hcl.Pos{Line: el, Column: ec, Byte: eb},
	}
}

func str(s string) *string { return &s }

func drange(file string, sl, sc, sb, el, ec, eb int) *DiagnosticRange {
	return &DiagnosticRange{
		Filename: file,
		Start:    Pos{Line: sl, Column: sc, Byte: sb},
		End:      Pos{Line: el, Column: ec, Byte: eb},
	}
}

const (
	nativeLine3 = `listener "tcp" {`
	nativeLine4 = `  address     = "127.0.0.1:8100"`
	nativeLine5 = `  tls_disable = true`
	nativeLine6 = `  bogus       = 1`
	nativeLine7 = `}`
)
