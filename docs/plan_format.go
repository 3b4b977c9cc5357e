package docs

import (
	"fmt"
	"io"
	"strings"

	"github.com/vaultproxy/vaultproxy/compile"
)

// planFieldsBegin and planFieldsEnd enclose the field tables of docs/plan-format.md, which PlanFields
// generates from the plan layout that the JSON codec walks (compile.PlanFormat).
const (
	planFormatFile  = "plan-format.md"
	planFieldsBegin = "<!-- Generated from compile.PlanFormat by `go test ./docs -update`; do not edit. -->\n"
	planFieldsEnd   = "<!-- End of generated fields. -->\n"
)

// PlanFields writes one table per object of the JSON plan, in document order, as the codec writes it.
func PlanFields(w io.Writer) error {
	var b strings.Builder
	for i, obj := range compile.PlanFormat() {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "### %s\n\n| Field | Type | Description |\n|---|---|---|\n", obj.Title)
		for _, f := range obj.Fields {
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", f.Name, f.Type, strings.ReplaceAll(f.Doc, "|", `\|`))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// withPlanFields returns doc, the text of plan-format.md, with the generated tables replaced by fields.
func withPlanFields(doc, fields string) (string, error) {
	begin := strings.Index(doc, planFieldsBegin)
	end := strings.Index(doc, planFieldsEnd)
	if begin < 0 || end < begin {
		return "", fmt.Errorf("%s has no generated-fields markers", planFormatFile)
	}
	return doc[:begin+len(planFieldsBegin)] + "\n" + fields + "\n" + doc[end:], nil
}
