package hclfmt

import (
	"strings"
	"testing"

	"github.com/vaultproxy/vaultproxy/fixtures"
)

// TestHCL1Rewrite formats the configuration of each HCL 1 case of compile's goldens
// (fixtures/compile/syntax/hcl1-*), which compile reads with HCL 1, and of each heredoc case
// (fixtures/compile/syntax/heredoc-*), whose heredocs compile reads as HCL 1 does: the result, in the case's
// want/fmt.hcl section, is canonical HCL 2 that compiles to the same plan and errors
// (checkHCL1Rewrite). A case without the section is one that fmt leaves alone, since the file
// does not parse as HCL 2 once rewritten either (an argument set twice). go test
// ./cmd/vaultproxy/internal/hclfmt -run TestHCL1Rewrite -update rewrites the sections; review
// every change.
func TestHCL1Rewrite(t *testing.T) {
	n := 0
	for _, c := range fixtures.Load(t, "compile/syntax") {
		heredoc := strings.HasPrefix(c.Name, "compile/syntax/heredoc-")
		if !heredoc && !strings.HasPrefix(c.Name, "compile/syntax/hcl1-") {
			continue
		}
		if !heredoc {
			n++
		}
		t.Run(c.Name, func(t *testing.T) {
			if len(c.Files) != 1 {
				t.Fatalf("an HCL 1 case holds one file; %s holds %d", c.Name, len(c.Files))
			}
			out, rewritten := checkHCL1Rewrite(t, c.Files[0].Name, c.Files[0].Data)
			if _, want := c.Want("fmt.hcl"); !rewritten {
				if want {
					t.Errorf("fmt leaves the file alone, but the case has a want/fmt.hcl section")
				}
				return
			}
			c.Check(t, "fmt.hcl", out)
		})
	}
	if n < 10 {
		t.Fatalf("only %d HCL 1 cases: the fixtures were not found", n)
	}
}
