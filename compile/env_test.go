package compile

import (
	"slices"
	"testing"

	"github.com/vaultproxy/vaultproxy/schema"
)

// TestEnvironmentDeclared checks that schema/ is the one declaration of the environment: every
// variable the compiler looks up is an attribute's Env or one of schema.EnvVars, and every declared
// variable is looked up, except those declared as read by nothing here.
func TestEnvironmentDeclared(t *testing.T) {
	declared := map[string]bool{}
	var walk func(b *schema.Block)
	walk = func(b *schema.Block) {
		for _, a := range b.Attributes {
			if a.Env != "" {
				declared[a.Env] = true
			}
		}
		for _, nb := range b.Blocks {
			walk(nb)
		}
	}
	walk(schema.Root)
	for _, e := range schema.EnvVars {
		declared[e.Name] = true
	}
	// Read by nothing in vaultproxy: Vault Proxy replaces it before sending anything.
	unread := []string{schema.EnvToken.Name}

	looked := map[string]bool{}
	// Every block whose attributes have variables is written, so that each is looked up.
	config := "vault {\n  retry {\n    num_retries = 3\n  }\n}\n" +
		"cache {\n  persist \"file\" {\n    path     = \"/var/cache/vaultproxy\"\n    key_file = \"cache.key\"\n  }\n}\n"
	compileString(t, "config.hcl", config, Options{Env: func(k string) (string, bool) {
		looked[k] = true
		return "", false
	}})
	for name := range looked {
		if name != "" && !declared[name] { // "": an attribute without a variable
			t.Errorf("the compiler reads %s, which schema/ does not declare", name)
		}
	}
	for name := range declared {
		if !looked[name] && !slices.Contains(unread, name) {
			t.Errorf("schema/ declares %s, which the compiler never reads", name)
		}
	}
}
