package compile

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/vaultproxy/vaultproxy/diagcode"
	"github.com/vaultproxy/vaultproxy/fixtures"
)

// hcl1Seeds are HCL 1 forms that hcl/v2 refuses, and forms both read, for FuzzHCL1 and
// TestHCL1ReadsAsHCL2.
var hcl1Seeds = []string{
	"listener \"tcp\" { address = \"127.0.0.1:8100\", tls_disable = true }\n",
	"listener \"tcp\"\n{\n  address = \"127.0.0.1:8100\"\n  tls_disable = true }\n",
	"vault { retry { num_retries = 0x1F } }\ncache {} listener \"unix\" { address = \"/run/p.sock\" }\n",
	"\"vault\" { \"address\" = \"https://v:8200\", namespace = \"a%{b}${ c d }\" }\n",
	"vault {\r\n  namespace = \"é-ü\"\r\n  retry {\r\n    num_retries = 010\r\n  }\r\n}\r\n",
	"auto_auth {\n  method approle {\n    config = { role_id_file_path = \"/r\", secret_id_file_path = \"/s\" }\n  }\n  sink file { config = { path = \"/t\" } }\n}\n",
	"pid_file = <<EOF\n/run/p.pid\nEOF\nlog_level = \"debug\"\ndisable_idle_connections = [\"auto-auth\", \"caching\",]\n",
	"# comment\nlistener \"tcp\" {\n  address = \"127.0.0.1:8100\" // after\n  /* inside */ tls_disable = true\n}\n",
	"vault {\n  address = \"https://v:8200\"\n  tls_skip_verify = \"true\"\n  retry {\n    num_retries = -1\n  }\n}\n",
}

// FuzzHCL1 reads any input with the HCL 1 reader and compiles it as a file that hcl/v2 refuses:
// nothing may panic or hang, and every diagnostic has a registered code. When hcl/v2 reads the input
// too, the reader must find no HCL 1 form in it (findForms), and the two readings must compile to the same plan, origins included (the HCL 1 reader's ranges
// are exact), and the same diagnostics, apart from what only one reading reports: the hcl1_form
// warnings, the escape warning, since "$${" is two characters in HCL 1 (docs/differences.md), and the
// heredoc warning, which only a file read with hcl/v2 needs.
// Seeds: hcl1Seeds and every native-syntax configuration of fixtures/compile.
//
//	go test -run '^$' -fuzz=FuzzHCL1 -fuzztime=2m ./compile/
func FuzzHCL1(f *testing.F) {
	for _, s := range hcl1Seeds {
		f.Add([]byte(s))
	}
	for _, c := range fixtures.Load(f, "compile") {
		if !isJSONSource(c.Files[0].Data) {
			f.Add(c.Files[0].Data)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		checkHCL1Reading(t, src)
	})
}

// TestHCL1ReadsAsHCL2 checks the seeds that hcl/v2 reads too (checkHCL1Reading), and that each of
// the others is read by HCL 1.
func TestHCL1ReadsAsHCL2(t *testing.T) {
	for _, s := range hcl1Seeds {
		if !checkHCL1Reading(t, []byte(s)) {
			if _, _, ok := parseHCL1([]byte(s), "a.hcl"); !ok {
				t.Errorf("HCL 1 refuses the seed %q", s)
			}
		}
	}
}

// checkHCL1Reading is FuzzHCL1's check of one input; it reports whether both readers accepted it.
func checkHCL1Reading(t *testing.T, src []byte) bool {
	t.Helper()
	srcs := []Source{{Name: "a.hcl", Bytes: src}}
	var viaHCL1, viaHCL2 string
	both := false
	done := make(chan struct{})
	go func() {
		defer close(done)
		parseHCL1(src, "a.hcl") // must not panic, whatever it reads
		if isJSONSource(src) {
			return
		}
		_, p1diags := compileSources(srcs, Options{}, true)
		for _, d := range p1diags {
			if diagcode.Of(d) == nil {
				t.Errorf("diagnostic without a registered code: %s: %s", d.Summary, d.Detail)
			}
		}
		if _, _, ok := parseHCL1(src, "a.hcl"); !ok {
			return
		}
		if _, diags := hclsyntax.ParseConfig(src, "a.hcl", hcl.InitialPos); diags.HasErrors() {
			return
		}
		if strings.Contains(string(src), "$${") || strings.Contains(string(src), "%%{") {
			return
		}
		both = true
		if _, r, _ := parseHCL1(src, "a.hcl"); len(r.forms) > 0 {
			// hcl/v2 reads the file: no form in it is one that hcl/v2 refuses.
			t.Errorf("an HCL 1 form found in %q, which hcl/v2 reads: %s: %s", src, r.forms[0].Subject, r.forms[0].Summary)
		}
		viaHCL1 = planReading(t, srcs, true)
		viaHCL2 = planReading(t, srcs, false)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("reading hangs on %q", src)
	}
	if both {
		if diff := cmp.Diff(viaHCL2, viaHCL1); diff != "" {
			t.Errorf("HCL 1 and hcl/v2 read %q differently (-hcl/v2 +HCL 1):\n%s", src, diff)
		}
	}
	return both
}

// planReading is the plan's JSON document and the diagnostics of srcs, read with HCL 1 alone or as
// Compile reads them, apart from the diagnostics only one reading gives.
func planReading(t *testing.T, srcs []Source, hcl1Only bool) string {
	plan, diags := compileSources(srcs, Options{}, hcl1Only)
	doc, err := plan.MarshalJSON()
	if err != nil && !diags.HasErrors() {
		t.Errorf("a plan without errors does not marshal: %v", err)
	}
	SortDiagnostics(diags)
	var b strings.Builder
	b.Write(doc)
	for _, d := range diags {
		if c := diagcode.Of(d); c == codeHCL1Form || c == codeEscapeReadDifferently || c == codeHeredocReadDifferently {
			continue
		}
		b.WriteString("\n" + fixtures.DiagnosticLine(d))
	}
	return b.String()
}
