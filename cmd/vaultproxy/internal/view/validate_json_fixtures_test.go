package view

import (
	"testing"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/fixtures"
	"github.com/vaultproxy/vaultproxy/validate"
)

// FuzzValidateJSON: whatever compile and validate report for any input, `validate -json` can
// print it. Seeds: every configuration of fixtures/.
//
//	go test -fuzz=FuzzValidateJSON -fuzztime=1m ./cmd/vaultproxy/internal/view/
func FuzzValidateJSON(f *testing.F) {
	for _, dir := range []string{"cases", "compile", "validate", "cli"} {
		for _, c := range fixtures.Load(f, dir) {
			f.Add(c.Files[0].Data)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		plan, diags := compile.Compile([]compile.Source{{Name: "a.hcl", Bytes: src}}, compile.Options{})
		diags = append(diags, validate.Plan(plan)...)
		if _, err := MarshalValidateJSON(diags, map[string][]byte{"a.hcl": src}); err != nil {
			t.Errorf("validate -json fails: %v", err)
		}
	})
}
