package request

import (
	"strings"
	"testing"
)

// TestWrapRefusal: which requests made with the auto-auth token may not ask for response wrapping.
func TestWrapRefusal(t *testing.T) {
	const auto, other = "T_AUTO", "T_OTHER"
	p := planOf(t, vaultBlock+autoAuth+"api_proxy { use_auto_auth_token = \"force\" }\n"+listeners)
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
		r, err := Parse(c.method+" "+c.target, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Body, r.AutoAuthToken = []byte(c.body), auto
		if c.ctype != "" {
			r.Header.Set("Content-Type", c.ctype)
		}
		if c.wrap != nil {
			r.Header["X-Vault-Wrap-Ttl"] = c.wrap
		}
		d := Decide(p, p.Listeners()[0], r)
		if refused := d.Status == 400; refused != c.refuse || d.Pending {
			t.Errorf("%s %s %.40q (wrap %q): status %d %q (pending %v), want refused %v", c.method, c.target, c.body, c.wrap, d.Status, d.Errors, d.Pending, c.refuse)
		}
		if d.Status == 400 && (!strings.Contains(d.Errors[0], "X-Vault-Wrap-TTL") || strings.Contains(d.Errors[0], auto)) {
			t.Errorf("refusal %q should name the header and never the token", d.Errors[0])
		}
	}
}

func TestTokenPathOf(t *testing.T) {
	for path, want := range map[string]TokenPath{
		"/v1/auth/token/lookup-self":        SelfTokenPath,
		"/v1/auth/token/renew-self":         SelfTokenPath,
		"/v1/auth/token/lookup":             OtherTokenPath,
		"/v1/auth/token/renew/":             OtherTokenPath,
		"/v1/ns1/auth/token/lookup-self":    SelfTokenPath,
		"/v1/ns1/team/auth/token/renew":     OtherTokenPath,
		"/v1//auth/token/lookup-self":       SelfTokenPath,
		"/v1/auth//token//lookup-self":      SelfTokenPath,
		"//v1/auth/token/lookup-self":       SelfTokenPath,
		"/v1/auth/token/./lookup-self":      SelfTokenPath,
		"/v1/sys/../auth/token/lookup-self": SelfTokenPath,
		"/v1/auth/token/lookup-self/":       SelfTokenPath,
		"/v1/auth/token/LOOKUP-SELF":        SelfTokenPath,
		"/v1/Auth/Token/Renew":              OtherTokenPath,
		"/v1/auth/token/lookup-accessor":    NotTokenPath,
		"/v1/auth/token/renew-accessor":     NotTokenPath,
		"/v1/secret/data/auth/token/look":   NotTokenPath,
		"/v1/sys/health":                    NotTokenPath,
		"/v2/auth/token/lookup-self":        NotTokenPath,
		"/v1/../auth/token/lookup-self":     NotTokenPath, // cleans to /auth/...: not an API path
		"/v1/auth/token/create":             NotTokenPath,
		"/v1/auth/token/lookup/../create":   NotTokenPath,
		"/v1/auth/token/renew-SELF":         SelfTokenPath,
		"/v1/auth/token/loo\u212aup":        OtherTokenPath, // the Kelvin sign lower-cases to k
		"/v1/auth/token/re\u212anew":        NotTokenPath,
	} {
		if got := TokenPathOf(path); got != want {
			t.Errorf("TokenPathOf(%q) = %v, want %v", path, got, want)
		}
	}
}
