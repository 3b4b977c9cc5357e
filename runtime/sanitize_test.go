package runtime

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSanitizedPath(t *testing.T) {
	for path, want := range map[string]bool{
		"/v1/auth/token/lookup-self":      true,
		"/v1/auth/token/renew-self":       true,
		"/v1/auth/token/lookup":           true,
		"/v1/auth/token/renew/":           true,
		"/v1/ns1/auth/token/lookup-self":  true,
		"/v1/auth/token/lookup-accessor":  false,
		"/v1/secret/data/auth/token/look": false,
		"/v1/sys/health":                  false,
	} {
		if got := sanitizedPath(path); got != want {
			t.Errorf("sanitizedPath(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestSanitizeTokenBody(t *testing.T) {
	const auto = "T_AUTO"
	lookup := `{"data":{"id":"T_AUTO","accessor":"acc","policies":["default"],"ttl":60},"auth":null}`
	renew := `{"auth":{"client_token":"T_AUTO","accessor":"acc","policies":["default"],"lease_duration":60},"data":null}`
	other := `{"data":{"id":"T_OTHER","accessor":"acc2","ttl":60}}`

	out, err := sanitizeTokenBody([]byte(lookup), auto, true)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]map[string]any
	_ = json.Unmarshal(out, &doc)
	if _, ok := doc["data"]["id"]; ok || doc["data"]["accessor"] != nil || doc["data"]["ttl"] == nil {
		t.Errorf("lookup-self not sanitised: %s", out)
	}
	out, _ = sanitizeTokenBody([]byte(renew), auto, true)
	_ = json.Unmarshal(out, &doc)
	if doc["auth"]["client_token"] != "" || doc["auth"]["accessor"] != "" || doc["auth"]["lease_duration"] == nil {
		t.Errorf("renew-self not sanitised: %s", out)
	}
	// Lookup of another token made with the auto-auth token: the client knows that token already.
	out, _ = sanitizeTokenBody([]byte(other), auto, false)
	if string(out) != other {
		t.Errorf("lookup of another token changed: %s", out)
	}
	// Lookup (not -self) that answered about the auto-auth token itself.
	out, _ = sanitizeTokenBody([]byte(lookup), auto, false)
	if strings.Contains(string(out), auto) {
		t.Errorf("auto-auth token leaked: %s", out)
	}
}
