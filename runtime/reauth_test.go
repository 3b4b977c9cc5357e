package runtime

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestReauthOnlyOnInvalidToken: a 403 to a request made with the auto-auth token sends auto-auth to
// check its token only when Vault says "invalid token" (a revoked or expired token; hashicorp/vault
// command/agentproxyshared/cache/handler.go). A plain "permission denied" is a policy answer: re-checking on it would let any client make
// the proxy call Vault again at will.
func TestReauthOnlyOnInvalidToken(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/auth/token/lookup-self"):
			fmt.Fprint(w, `{"data":{"id":"T_AUTO","ttl":0,"renewable":false,"policies":["root"]}}`)
		case strings.HasSuffix(r.URL.Path, "/forbidden"):
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"errors":["1 error occurred:\n\t* permission denied\n\n"]}`)
		case strings.HasSuffix(r.URL.Path, "/revoked"):
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"errors":["2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"]}`)
		default:
			fmt.Fprint(w, `{"data":{}}`)
		}
	})
	lookups := func() int {
		n := 0
		for i := 0; i < rec.n(); i++ {
			if strings.HasSuffix(rec.req(i).URL.Path, "/auth/token/lookup-self") {
				n++
			}
		}
		return n
	}
	s := startPlan(t, planFrom(t, cachePlanHCL(cacheTokenFile(t), "use_auto_auth_token = true", "", ""), rec.srv.URL))
	get := func(path string) int {
		resp, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if get("/v1/sys/health") != 200 {
		t.Fatal("the proxy does not serve")
	}
	before := lookups()
	for i := 0; i < 3; i++ {
		if got := get("/v1/secret/data/forbidden"); got != 403 {
			t.Fatalf("forbidden: %d, want Vault's 403", got)
		}
	}
	time.Sleep(200 * time.Millisecond)
	if got := lookups(); got != before {
		t.Errorf("a plain permission denied made auto-auth check its token %d times", got-before)
	}
	if got := get("/v1/secret/data/revoked"); got != 403 {
		t.Fatalf("revoked: %d, want Vault's 403", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for lookups() == before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if lookups() == before {
		t.Error("an invalid token did not make auto-auth check its token")
	}
}
