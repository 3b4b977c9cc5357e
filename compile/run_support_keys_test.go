package compile

import (
	"testing"

	"github.com/vaultproxy/vaultproxy/schema"
)

// TestWithoutMethodSecretCoversSchema: every sensitive config key of every method says what the
// method would do without it (RunRefusals's message), and the table names no key the schema lacks,
// so that a new sensitive key does not fall to the generic wording unnoticed.
func TestWithoutMethodSecretCoversSchema(t *testing.T) {
	seen := map[string]bool{}
	for _, typ := range schema.MethodTypes {
		for _, a := range schema.MethodConfig(typ).Attributes {
			if !a.Sensitive {
				continue
			}
			k := typ + "." + a.Name
			seen[k] = true
			if w, ok := withoutMethodSecret[k]; !ok || w.without == "" {
				t.Errorf("%s is sensitive but withoutMethodSecret does not say what the method does without it", k)
			}
		}
	}
	for k := range withoutMethodSecret {
		if !seen[k] {
			t.Errorf("withoutMethodSecret has %s, which is not a sensitive method config key", k)
		}
	}
}
