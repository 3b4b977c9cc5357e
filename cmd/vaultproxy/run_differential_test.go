package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// TestRunDifferential sends the same requests through Vault Proxy (the real `vault proxy`) and
// through `vaultproxy run`, both on the same configuration in front of the same Vault, and compares
// status codes and JSON bodies with volatile fields (request IDs, times, TTLs) removed. The
// deliberate differences of docs/differences-runtime.md are left out of the request list (metrics,
// 502 for an unreachable Vault, require_request_header on /proxy/v1/ paths).
func TestRunDifferential(t *testing.T) {
	f := newRunFixture(t)
	vaultBin := vaulttest.Binary(t)
	cfg := func(addr string) string {
		return f.tokenFileConfig(t, f.dev.Addr(), addr, "api_proxy { use_auto_auth_token = true }", "")
	}
	theirs, ours := freeAddr(t), freeAddr(t)
	dir := t.TempDir()
	vpConfig := runWriteFile(t, dir, "vault-proxy.hcl", cfg(theirs), 0o600)
	startProcess(t, exec.Command(vaultBin, "proxy", "-config="+vpConfig), vpConfig, nil, theirs)
	startRun(t, cfg(ours), f.secrets, ours)

	type request struct {
		method, path, body string
		header             http.Header
	}
	withToken := func(tok string) http.Header { return http.Header{"X-Vault-Token": {tok}} }
	requests := []request{
		{"GET", "/v1/secret/data/app", "", nil},
		{"GET", "/v1/secret/data/app?version=1", "", nil},
		{"GET", "/v1/secret/data/app", "", withToken(f.clientToken)},
		{"GET", "/v1/secret/data/missing", "", nil},
		{"LIST", "/v1/secret/metadata/", "", nil},
		{"GET", "/v1/secret/metadata/?list=true", "", nil},
		{"GET", "/v1/secret/metadata/app", "", nil},
		{"GET", "/v1/sys/health", "", nil},
		{"GET", "/v1/sys/health?standbyok=true&perfstandbyok=true", "", nil},
		{"GET", "/v1/sys/mounts", "", nil},
		{"GET", "/v1/auth/token/lookup-self", "", nil},
		{"PUT", "/v1/auth/token/renew-self", "{}", nil},
		{"GET", "/v1/auth/token/lookup-self", "", withToken(f.clientToken)},
		{"GET", "/v1/secret/data/app", "", withToken("not-a-token")},
		{"POST", "/v1/secret/data/diff", `{"data":{"x":"y"}}`, withToken(f.dev.RootToken())},
		{"GET", "/v1/secret/data/diff", "", nil},
		{"DELETE", "/v1/secret/data/nothing-here", "", nil},
		{"GET", "/v1/no/such/path", "", nil},
		{"POST", "/v1/sys/capabilities-self", `{"paths":["secret/data/app"]}`, nil},
		{"PUT", "/v1/secret/data/app", `not json`, nil},
	}
	for _, r := range requests {
		name := r.method + " " + r.path
		h := http.Header{"X-Vault-Request": {"true"}}
		for k, v := range r.header {
			h[k] = v
		}
		s1, b1 := rawDo(t, nil, r.method, "http://"+theirs+r.path, h, r.body)
		s2, b2 := rawDo(t, nil, r.method, "http://"+ours+r.path, h, r.body)
		if s1 != s2 {
			t.Errorf("%s: status %d from Vault Proxy, %d from vaultproxy\n%s\n%s", name, s1, s2, b1, b2)
			continue
		}
		n1, n2 := normalizeBody(b1), normalizeBody(b2)
		if sanitisedPath(r.path) && r.header == nil {
			// docs/differences-runtime.md: Vault Proxy re-encodes a sanitised token answer through
			// api.Secret (dropping fields it does not know, adding nulls); vaultproxy keeps Vault's
			// answer and only removes the token. Every non-null value Vault Proxy returns must match.
			if missing := notIn(n1, n2, ""); missing != "" {
				t.Errorf("%s: %s\nVault Proxy: %s\nvaultproxy:  %s", name, missing, b1, b2)
			}
			continue
		}
		if !reflect.DeepEqual(n1, n2) {
			t.Errorf("%s: bodies differ\nVault Proxy: %s\nvaultproxy:  %s", name, b1, b2)
		}
		if strings.Contains(b2, f.autoToken) {
			t.Errorf("%s: vaultproxy answered with the auto-auth token", name)
		}
	}
}

func sanitisedPath(p string) bool {
	return strings.HasPrefix(p, "/v1/auth/token/lookup-self") || strings.HasPrefix(p, "/v1/auth/token/renew-self")
}

// notIn describes the first non-null value of a that b lacks or holds differently ("" for none).
func notIn(a, b any, at string) string {
	am, ok := a.(map[string]any)
	if !ok {
		if !reflect.DeepEqual(a, b) {
			return fmt.Sprintf("%s: %v from Vault Proxy, %v from vaultproxy", at, a, b)
		}
		return ""
	}
	bm, _ := b.(map[string]any)
	for k, v := range am {
		if v == nil {
			continue
		}
		if d := notIn(v, bm[k], at+"."+k); d != "" {
			return d
		}
	}
	return ""
}

// volatile are the JSON keys whose values differ between two identical requests.
var volatile = map[string]bool{
	"request_id": true, "creation_time": true, "issue_time": true, "expire_time": true, "last_renewal_time": true,
	"last_renewal": true, "ttl": true, "lease_duration": true, "created_time": true, "updated_time": true,
	"server_time_utc": true, "version": true, "current_version": true, "oldest_version": true, "versions": true,
	"replication_performance_mode": true, "replication_dr_mode": true,
}

func normalizeBody(b string) any {
	var v any
	if err := json.Unmarshal([]byte(b), &v); err != nil {
		return strings.TrimSpace(b)
	}
	return scrub(v)
}

func scrub(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k := range x {
			if volatile[k] {
				x[k] = fmt.Sprintf("<%s>", k)
				continue
			}
			x[k] = scrub(x[k])
		}
	case []any:
		for i := range x {
			x[i] = scrub(x[i])
		}
	}
	return v
}
