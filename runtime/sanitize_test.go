package runtime

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestSanitiserPathVariants: through the runtime, with use_auto_auth_token = "force" (the client's
// token is replaced), the answers to every spelling of lookup-self lose the auto-auth token, and a
// wrapped one is refused before it reaches Vault.
func TestSanitiserPathVariants(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		tok := r.Header.Get("X-Vault-Token")
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"data": map[string]any{"id": tok, "accessor": "acc-" + tok, "policies": []string{"default"}, "ttl": 0},
		})
	})
	p := planFrom(t, cachePlanHCL(cacheTokenFile(t), `use_auto_auth_token = "force"`, "", ""), rec.srv.URL)
	s := startPlan(t, p)
	for _, path := range []string{
		"/v1/auth/token/lookup-self", "/v1/ns1/auth/token/lookup-self", "/v1/ns1/team-1/auth/token/lookup-self",
		"/v1//auth/token/lookup-self", "/v1/auth/token%2Flookup-self", "/v1/auth/token/lookup-self/",
		"/v1/ns1/auth/token/renew-self",
	} {
		req, _ := http.NewRequest("GET", s.url, nil)
		req.URL.Opaque = path
		req.Header.Set("X-Vault-Token", "T_CLIENT")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.Contains(string(body), "T_AUTO") || !strings.Contains(string(body), `"policies"`) {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
		n := rec.n()
		req, _ = http.NewRequest("GET", s.url, nil)
		req.URL.Opaque = path
		req.Header.Set("X-Vault-Token", "T_CLIENT")
		req.Header.Set("X-Vault-Wrap-TTL", "60")
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.HasPrefix(string(body), `{"errors":["response wrapping (X-Vault-Wrap-TTL) is refused`) || rec.n() != n {
			t.Errorf("%s wrapped: %d %s (%d requests reached Vault)", path, resp.StatusCode, body, rec.n()-n)
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
