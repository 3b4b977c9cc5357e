package runtime

import (
	"encoding/json"
	"testing"

	"github.com/hashicorp/vault/api"
)

// tokenInfo is what the auto-auth tests check of a token Vault issued at a login.
type tokenInfo struct {
	Path        string            `json:"path"`
	DisplayName string            `json:"display_name"`
	Meta        map[string]string `json:"meta"`
	Policies    []string          `json:"policies"`
}

// lookupToken looks tok up with the root token: the login path, display name, metadata and
// policies Vault gave it.
func lookupToken(t *testing.T, root *api.Client, tok string) tokenInfo {
	t.Helper()
	info, err := root.Auth().Token().Lookup(tok)
	if err != nil {
		t.Fatalf("looking up the sink's token: %v", err)
	}
	b, _ := json.Marshal(info.Data)
	var d tokenInfo
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}
