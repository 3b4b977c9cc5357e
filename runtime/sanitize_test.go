package runtime

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestSanitizedPath(t *testing.T) {
	for path, want := range map[string]tokenPath{
		"/v1/auth/token/lookup-self":        selfTokenPath,
		"/v1/auth/token/renew-self":         selfTokenPath,
		"/v1/auth/token/lookup":             otherTokenPath,
		"/v1/auth/token/renew/":             otherTokenPath,
		"/v1/ns1/auth/token/lookup-self":    selfTokenPath,
		"/v1/ns1/team/auth/token/renew":     otherTokenPath,
		"/v1//auth/token/lookup-self":       selfTokenPath,
		"/v1/auth//token//lookup-self":      selfTokenPath,
		"//v1/auth/token/lookup-self":       selfTokenPath,
		"/v1/auth/token/./lookup-self":      selfTokenPath,
		"/v1/sys/../auth/token/lookup-self": selfTokenPath,
		"/v1/auth/token/lookup-self/":       selfTokenPath,
		"/v1/auth/token/LOOKUP-SELF":        selfTokenPath,
		"/v1/Auth/Token/Renew":              otherTokenPath,
		"/v1/auth/token/lookup-accessor":    notTokenPath,
		"/v1/auth/token/renew-accessor":     notTokenPath,
		"/v1/secret/data/auth/token/look":   notTokenPath,
		"/v1/sys/health":                    notTokenPath,
		"/v2/auth/token/lookup-self":        notTokenPath,
		"/v1/../auth/token/lookup-self":     notTokenPath, // cleans to /auth/...: not an API path
	} {
		if got := classifyTokenPath(path); got != want {
			t.Errorf("classifyTokenPath(%q) = %v, want %v", path, got, want)
		}
		if got := sanitizedPath(path); got != (want != notTokenPath) {
			t.Errorf("sanitizedPath(%q) = %v", path, got)
		}
	}
}

// TestWrapRefusal: which requests made with the auto-auth token may not ask for response wrapping,
// and that the body read to decide is forwarded whole.
func TestWrapRefusal(t *testing.T) {
	const auto, other = "T_AUTO", "T_OTHER"
	form := "application/x-www-form-urlencoded"
	for _, c := range []struct {
		method, target, ctype, body string
		wrap                        []string // X-Vault-Wrap-TTL values; nil for none
		refuse                      bool
	}{
		{"GET", "/v1/auth/token/lookup-self", "", "", nil, false},
		{"GET", "/v1/auth/token/lookup-self", "", "", []string{"60"}, true},
		{"GET", "/v1/auth/token/lookup-self", "", "", []string{""}, true},
		{"GET", "/v1/ns1/auth/token/lookup-self", "", "", []string{"5m"}, true},
		{"GET", "/v1/auth/token%2Flookup-self", "", "", []string{"60"}, true},
		{"PUT", "/v1/auth/token/renew-self", "", `{"increment":"1h"}`, []string{"60"}, true},
		{"GET", "/v1/auth/token/lookup", "", "", []string{"60"}, true},
		{"GET", "/v1/auth/token/lookup?token=" + auto, "", "", []string{"60"}, true},
		{"GET", "/v1/auth/token/lookup?token=" + other, "", "", []string{"60"}, false},
		{"GET", "/v1/auth/token/lookup?token=" + other + "&token=" + auto, "", "", []string{"60"}, true},
		{"GET", "/v1/auth/token/lookup?token=%zz", "", "", []string{"60"}, true},
		{"POST", "/v1/auth/token/lookup", "", "", []string{"60"}, true},
		{"POST", "/v1/auth/token/lookup", "", "null", []string{"60"}, true},
		{"POST", "/v1/auth/token/lookup", "", `{"token":""}`, []string{"60"}, true},
		{"POST", "/v1/auth/token/lookup", "", `{"token":"` + auto + `"}`, []string{"60"}, true},
		{"POST", "/v1/auth/token/lookup", "", `{"token":"` + other + `"}`, []string{"60"}, false},
		{"POST", "/v1/auth/token/lookup?token=" + other, "", `{}`, []string{"60"}, true}, // Vault reads a POST's body only
		{"POST", "/v1/auth/token/lookup", "", `{"Token":"` + other + `"}`, []string{"60"}, true},
		{"POST", "/v1/auth/token/lookup", "", `{"token":42}`, []string{"60"}, true},
		{"POST", "/v1/auth/token/lookup", "", `[{"token":"` + other + `"}]`, []string{"60"}, true},
		{"POST", "/v1/auth/token/lookup", form, "token=" + auto, []string{"60"}, true},
		{"POST", "/v1/auth/token/lookup", form, "token=" + other, []string{"60"}, false},
		{"POST", "/v1/auth/token/lookup", form, "token=" + other + "&token=" + other, []string{"60"}, true},
		{"POST", "/v1/auth/token/lookup", form, `  {"token":"` + other + `"}`, []string{"60"}, false}, // JSON despite the type, as Vault reads it
		{"POST", "/v1/auth/token/lookup", "", strings.Repeat(" ", maxTokenParamBody) + `{"token":"` + other + `"}`, []string{"60"}, true},
		{"PUT", "/v1/auth/token/renew", "", `{"token":"` + auto + `"}`, []string{"60"}, true},
		{"PUT", "/v1/auth/token/renew", "", `{"token":"` + other + `","increment":"1h"}`, []string{"60"}, false},
		{"POST", "/v1/auth/token/lookup-accessor", "", `{"accessor":"acc"}`, []string{"60"}, false},
		{"POST", "/v1/auth/token/create", "", `{}`, []string{"60"}, false},
		{"POST", "/v1/sys/wrapping/wrap", "", `{"k":"v"}`, []string{"60"}, false},
	} {
		r := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
		if c.body == "" {
			r.Body = http.NoBody
		}
		if c.ctype != "" {
			r.Header.Set("Content-Type", c.ctype)
		}
		if c.wrap != nil {
			r.Header["X-Vault-Wrap-Ttl"] = c.wrap
		}
		msg, err := wrapRefusal(r, auto)
		if err != nil {
			t.Errorf("%s %s: %v", c.method, c.target, err)
			continue
		}
		if (msg != "") != c.refuse {
			t.Errorf("%s %s %.40q (wrap %q): refusal %q, want refused %v", c.method, c.target, c.body, c.wrap, msg, c.refuse)
		}
		if msg != "" && (!strings.Contains(msg, "X-Vault-Wrap-TTL") || strings.Contains(msg, auto)) {
			t.Errorf("refusal %q should name the header and never the token", msg)
		}
		if rest, _ := io.ReadAll(r.Body); string(rest) != c.body {
			t.Errorf("%s %s: the body forwarded is %.40q, want %.40q", c.method, c.target, rest, c.body)
		}
	}
}

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

// wrapRefusal is what the proxy decides for r made with the auto-auth token autoToken: the
// refusal of wrapRefusalFor, or aboutAutoToken's error. Without X-Vault-Wrap-TTL nothing is refused.
func wrapRefusal(r *http.Request, autoToken string) (string, error) {
	if len(r.Header.Values(wrapTTLHeader)) == 0 {
		return "", nil
	}
	about, err := aboutAutoToken(r, autoToken)
	if err != nil {
		return "", err
	}
	return wrapRefusalFor(r, about), nil
}
