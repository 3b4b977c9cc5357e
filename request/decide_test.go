package request

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vaultproxy/vaultproxy/compile"
)

func planOf(t testing.TB, src string) *compile.Plan {
	t.Helper()
	p, diags := compile.Compile([]compile.Source{{Name: "test.hcl", Bytes: []byte(src)}}, compile.Options{})
	if diags.HasErrors() {
		t.Fatalf("compile: %v", diags)
	}
	return p
}

const (
	vaultBlock = `vault { address = "http://127.0.0.1:8200" }` + "\n"
	listeners  = `listener "tcp" {
  address = "127.0.0.1:8100"
  tls_disable = true
}
listener "tcp" {
  address = "127.0.0.1:8101"
  tls_disable = true
  role = "metrics_only"
}
listener "tcp" {
  address = "127.0.0.1:8102"
  tls_disable = true
  require_request_header = true
  proxy_api { enable_quit = true }
}
`
	autoAuth = `auto_auth {
  method "approle" {
    config = {
      role_id_file_path = "/tmp/role"
      secret_id_file_path = "/tmp/secret"
    }
  }
}
`
)

// want is the part of a decision a case checks; the other fields must be their zero value
// (Token none, Cache none, no header change).
type want struct {
	status    int
	endpoint  Endpoint
	allow     string
	token     Token
	namespace string
	set       map[string]string
	remove    []string
	cache     Cache
	retry     bool
	sanitize  bool
	errPrefix string
}

func TestDecide(t *testing.T) {
	none := map[string]string{}
	autoSet := map[string]string{HeaderToken: AutoAuthTokenValue}
	for _, c := range []struct {
		name     string
		config   string
		listener int
		request  string
		headers  []string
		body     string
		want     want
	}{
		// Shape and routing.
		{name: "connect", request: "CONNECT /v1/x", want: want{status: 405, allow: strings.Join(VaultMethods, ", "), errPrefix: "method CONNECT is not a Vault API method"}},
		{name: "absolute target", request: "GET http://vault/v1/x", want: want{status: 400, errPrefix: "the request target must be a path"}},
		{name: "missing X-Vault-Request", listener: 2, request: "GET /v1/sys/health", want: want{status: 412, errPrefix: `missing "X-Vault-Request" header`}},
		{name: "two X-Vault-Request", listener: 2, request: "GET /v1/sys/health", headers: []string{"X-Vault-Request: true", "X-Vault-Request: true"}, want: want{status: 412, errPrefix: "missing"}},
		{name: "X-Vault-Request guards metrics too", listener: 2, request: "GET /proxy/v1/metrics", want: want{status: 412, errPrefix: "missing"}},
		{name: "metrics", listener: 1, request: "GET /proxy/v1/metrics", want: want{status: 200, endpoint: EndpointMetrics}},
		{name: "metrics POST", request: "POST /proxy/v1/metrics", want: want{status: 405, endpoint: EndpointMetrics, allow: "GET"}},
		{name: "ready", listener: 1, request: "HEAD /proxy/v1/ready", want: want{status: 200, endpoint: EndpointReady}},
		{name: "ready PUT", request: "PUT /proxy/v1/ready", want: want{status: 405, endpoint: EndpointReady, allow: "GET, HEAD", errPrefix: "method PUT not allowed on /proxy/v1/ready"}},
		{name: "metrics_only refuses the API", listener: 1, request: "GET /v1/sys/health", want: want{status: 404}},
		{name: "metrics_only refuses quit", listener: 1, request: "POST /proxy/v1/quit", want: want{status: 404}},
		{name: "quit disabled", request: "POST /proxy/v1/quit", want: want{status: 404}},
		{name: "quit", listener: 2, request: "POST /proxy/v1/quit", headers: []string{"X-Vault-Request: true"}, want: want{status: 200, endpoint: EndpointQuit}},
		{name: "quit GET", listener: 2, request: "GET /proxy/v1/quit", headers: []string{"X-Vault-Request: true"}, want: want{status: 405, endpoint: EndpointQuit, allow: "POST"}},
		{name: "cache-clear without a cache", request: "GET /proxy/v1/cache-clear", want: want{status: 200, endpoint: EndpointCacheClear}},
		{name: "cache-clear GET", config: "cache {}\n", request: "GET /proxy/v1/cache-clear", want: want{status: 405, endpoint: EndpointCacheClear, allow: "POST, PUT", errPrefix: "method not allowed"}},
		{name: "cache-clear", config: "cache {}\n", request: "POST /proxy/v1/cache-clear", want: want{status: 200, endpoint: EndpointCacheClear}},

		// Tokens.
		{name: "false, client token", request: "GET /v1/secret/x", headers: []string{"X-Vault-Token: T"}, want: want{token: TokenClient, set: none, retry: true}},
		{name: "false, no token", request: "GET /v1/secret/x", want: want{token: TokenNone, set: none, retry: true}},
		{name: "false, bearer token", request: "GET /v1/secret/x", headers: []string{"Authorization: Bearer T"}, want: want{token: TokenClient, set: none, retry: true}},
		{name: "true without auto_auth", config: "api_proxy { use_auto_auth_token = true }\n", request: "GET /v1/secret/x", want: want{token: TokenNone, set: none, retry: true}},
		{name: "true, client token", config: autoAuth + "api_proxy { use_auto_auth_token = true }\n", request: "GET /v1/secret/x", headers: []string{"X-Vault-Token: T"}, want: want{token: TokenClient, set: none, retry: true}},
		{name: "true, empty token header", config: autoAuth + "api_proxy { use_auto_auth_token = true }\n", request: "GET /v1/secret/x", headers: []string{"X-Vault-Token: "}, want: want{token: TokenAutoAuth, set: autoSet, retry: true}},
		{name: "true, bearer only", config: autoAuth + "api_proxy { use_auto_auth_token = true }\n", request: "POST /v1/secret/x", headers: []string{"Authorization: Bearer T"}, want: want{token: TokenAutoAuth, set: autoSet}},
		{name: "force, client token", config: autoAuth + "api_proxy { use_auto_auth_token = \"force\" }\n", request: "GET /v1/secret/x", headers: []string{"X-Vault-Token: T"}, want: want{token: TokenAutoAuth, set: autoSet, retry: true}},
		{name: "lookup-self sanitised", config: autoAuth + "api_proxy { use_auto_auth_token = \"force\" }\n", request: "GET /v1/auth/token/lookup-self", headers: []string{"Accept-Encoding: gzip"}, want: want{token: TokenAutoAuth, set: autoSet, remove: []string{"Accept-Encoding"}, retry: true, sanitize: true}},
		{name: "lookup-self wrapped", config: autoAuth + "api_proxy { use_auto_auth_token = \"force\" }\n", request: "GET /v1/auth/token/lookup-self", headers: []string{"X-Vault-Wrap-TTL: 60"}, want: want{status: 400, errPrefix: "response wrapping (X-Vault-Wrap-TTL) is refused for /v1/auth/token/lookup-self"}},
		{name: "lookup of another token wrapped", config: autoAuth + "api_proxy { use_auto_auth_token = \"force\" }\n", request: "POST /v1/auth/token/lookup", headers: []string{"X-Vault-Wrap-TTL: 60"}, body: `{"token":"T_OTHER"}`, want: want{token: TokenAutoAuth, set: autoSet, sanitize: true}},
		{name: "lookup without a token wrapped", config: autoAuth + "api_proxy { use_auto_auth_token = \"force\" }\n", request: "POST /v1/auth/token/lookup", headers: []string{"X-Vault-Wrap-TTL: 60"}, body: `{}`, want: want{status: 400, errPrefix: "response wrapping"}},
		{name: "client's own lookup-self may be wrapped", config: autoAuth + "api_proxy { use_auto_auth_token = true }\n", request: "GET /v1/auth/token/lookup-self", headers: []string{"X-Vault-Token: T", "X-Vault-Wrap-TTL: 60"}, want: want{token: TokenClient, set: none, retry: true}},

		// Namespaces.
		{name: "namespace as sent", config: "vault {\n namespace = \"org\"\n}\n", request: "GET /v1/x", headers: []string{"X-Vault-Namespace: /team//a"}, want: want{token: TokenNone, namespace: "team/a/", set: none, retry: true}},
		{name: "namespace prepended", config: "api_proxy { prepend_configured_namespace = true }\nvault {\n namespace = \"org\"\n}\n", request: "GET /v1/x", headers: []string{"X-Vault-Namespace: team"}, want: want{token: TokenNone, namespace: "org/team/", set: map[string]string{HeaderNamespace: "org/team/"}, retry: true}},
		{name: "namespace prepended, none sent", config: "api_proxy { prepend_configured_namespace = true }\nvault {\n namespace = \"org\"\n}\n", request: "GET /v1/x", want: want{token: TokenNone, namespace: "org/", set: map[string]string{HeaderNamespace: "org/"}, retry: true}},
		{name: "namespace escape", config: "api_proxy { prepend_configured_namespace = true }\nvault {\n namespace = \"org\"\n}\n", request: "GET /v1/x", headers: []string{"X-Vault-Namespace: ../other"}, want: want{status: 400, errPrefix: "namespace escapes the configured namespace"}},
		{name: "prepend without namespace", config: "api_proxy { prepend_configured_namespace = true }\n", request: "GET /v1/x", headers: []string{"X-Vault-Namespace: team"}, want: want{token: TokenNone, namespace: "team/", set: none, retry: true}},

		// Cache, retries, consistency, Expect.
		{name: "lease cache", config: "cache {}\n", request: "PUT /v1/auth/token/create", headers: []string{"X-Vault-Token: T"}, want: want{token: TokenClient, set: none, cache: CacheLease}},
		{name: "wrapped answers are not cached", config: "cache {}\n", request: "GET /v1/secret/x", headers: []string{"X-Vault-Token: T", "X-Vault-Wrap-TTL: 1m"}, want: want{token: TokenClient, set: none, retry: true}},
		{name: "renewals are not cached", config: "cache {}\n", request: "PUT /v1/sys/leases/renew", headers: []string{"X-Vault-Token: T"}, want: want{token: TokenClient, set: none}},
		{name: "revocations are not cached", config: "cache {}\n", request: "PUT /v1/ns1/auth/token/revoke-self", headers: []string{"X-Vault-Token: T"}, want: want{token: TokenClient, set: none}},
		{name: "DELETE is not cached", config: "cache {}\n", request: "DELETE /v1/secret/x", headers: []string{"X-Vault-Token: T"}, want: want{token: TokenClient, set: none}},
		{name: "dynamic caching off", config: "cache { disable_caching_dynamic_secrets = true }\n", request: "GET /v1/secret/x", headers: []string{"X-Vault-Token: T"}, want: want{token: TokenClient, set: none, retry: true}},
		{name: "static read", config: autoAuth + "cache { cache_static_secrets = true }\n", request: "GET /v1/secret/data/x?version=2", headers: []string{"X-Vault-Token: T"}, want: want{token: TokenClient, set: none, cache: CacheStatic, retry: true}},
		{name: "static read without a token", config: autoAuth + "cache { cache_static_secrets = true }\n", request: "GET /v1/secret/data/x", want: want{token: TokenNone, set: none, cache: CacheLease, retry: true}},
		{name: "static read with the auto-auth token", config: autoAuth + "cache {\n cache_static_secrets = true\n disable_caching_dynamic_secrets = true\n}\napi_proxy { use_auto_auth_token = true }\n", request: "GET /v1/secret/data/x", want: want{token: TokenAutoAuth, set: autoSet, cache: CacheStatic, retry: true}},
		{name: "static read with another query", config: autoAuth + "cache {\n cache_static_secrets = true\n disable_caching_dynamic_secrets = true\n}\n", request: "GET /v1/secret/data/x?list=true", headers: []string{"X-Vault-Token: T"}, want: want{token: TokenClient, set: none, retry: true}},
		{name: "no retries", config: "vault {\n retry { num_retries = -1 }\n}\n", request: "GET /v1/secret/x", want: want{token: TokenNone, set: none}},
		{name: "LIST retried", request: "LIST /v1/secret/", want: want{token: TokenNone, set: none, retry: true}},
		{name: "consistency forward", config: "api_proxy {\n enforce_consistency = \"always\"\n when_inconsistent = \"forward\"\n}\n", request: "POST /v1/secret/x", headers: []string{"Expect: 100-continue"}, want: want{token: TokenNone, set: map[string]string{HeaderIndex: IndexStatesValue, HeaderInconsistent: "forward-active-node"}, remove: []string{"Expect"}}},
		{name: "own consistency header", config: "api_proxy { enforce_consistency = \"always\" }\n", request: "GET /v1/secret/x", headers: []string{"X-Vault-Index: abc"}, want: want{token: TokenNone, set: none, retry: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := c.config
			if !strings.Contains(src, "vault {") {
				src = vaultBlock + src
			} else {
				src = strings.Replace(src, "vault {", "vault {\n address = \"http://127.0.0.1:8200\"", 1)
			}
			p := planOf(t, src+listeners)
			r, err := Parse(c.request, c.headers)
			if err != nil {
				t.Fatal(err)
			}
			r.Body = []byte(c.body)
			d := Decide(p, p.Listeners()[c.listener], r)
			w := c.want
			if w.token == "" {
				w.token = TokenNone
			}
			if w.cache == "" {
				w.cache = CacheNone
			}
			if w.set == nil {
				w.set = map[string]string{}
			}
			if w.remove == nil {
				w.remove = []string{}
			}
			got := want{status: d.Status, endpoint: d.Endpoint, allow: d.Allow, token: d.Token, namespace: d.Namespace,
				set: d.Headers.Set, remove: d.Headers.Remove, cache: d.Cache, retry: d.Retry, sanitize: d.Sanitize}
			if len(d.Errors) > 0 && strings.HasPrefix(d.Errors[0], w.errPrefix) {
				got.errPrefix = w.errPrefix
			} else if len(d.Errors) > 0 {
				got.errPrefix = d.Errors[0]
			}
			if diff := cmp.Diff(w, got, cmp.AllowUnexported(want{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Decide(%s) (-want +got):\n%s\nreason: %s", c.request, diff, d.Reason)
			}
			if d.Listener != p.Listeners()[c.listener].Address().Get() {
				t.Errorf("listener %q", d.Listener)
			}
			// DecideQuiet decides the same, without the sentences of a forwarded request.
			q := DecideQuiet(p, p.Listeners()[c.listener], r)
			wantQ := d
			if d.Forwarded() && d.Endpoint == "" {
				if d.Reason == "" {
					t.Error("Decide gave no Reason")
				}
				wantQ.Reason = ""
			}
			if diff := cmp.Diff(wantQ, q, cmpopts.IgnoreUnexported(Decision{}), cmpopts.EquateEmpty()); diff != "" || q.AboutAutoAuthToken() != d.AboutAutoAuthToken() {
				t.Errorf("DecideQuiet(%s) (-Decide +DecideQuiet):\n%s", c.request, diff)
			}
		})
	}
}

// TestDecideQuietSharedSet: the Headers.Set DecideQuiet shares between auto-auth decisions is
// never written: a decision that sets another header gets a map of its own.
func TestDecideQuietSharedSet(t *testing.T) {
	p := planOf(t, vaultBlock+autoAuth+"api_proxy {\n use_auto_auth_token = true\n enforce_consistency = \"always\"\n when_inconsistent = \"forward\"\n}\n"+listeners)
	r, _ := Parse("GET /v1/secret/x", nil)
	d := DecideQuiet(p, p.Listeners()[0], r)
	want := map[string]string{HeaderToken: AutoAuthTokenValue, HeaderIndex: IndexStatesValue, HeaderInconsistent: "forward-active-node"}
	if !cmp.Equal(d.Headers.Set, want) {
		t.Errorf("Set %v, want %v", d.Headers.Set, want)
	}
	if !cmp.Equal(autoAuthTokenSet, map[string]string{HeaderToken: AutoAuthTokenValue}) {
		t.Errorf("the shared Set was written: %v", autoAuthTokenSet)
	}
}

// TestDecidePending: a routing decision made before the body is read does not refuse what the body
// may allow, and says it is pending; so does one that could not compare a named token with the
// auto-auth token.
func TestDecidePending(t *testing.T) {
	p := planOf(t, vaultBlock+autoAuth+"api_proxy { use_auto_auth_token = \"force\" }\n"+listeners)
	l := p.Listeners()[0]
	r, _ := Parse("POST /v1/auth/token/lookup", []string{"X-Vault-Wrap-TTL: 60"})
	r.BodyUnread = true
	if d := Decide(p, l, r); !d.Pending || !d.Forwarded() {
		t.Errorf("body unread: pending %v status %d", d.Pending, d.Status)
	}
	r.BodyUnread, r.Body = false, []byte(`{"token":"T_AUTO"}`)
	if d := Decide(p, l, r); !d.Pending || !d.Forwarded() || d.AboutAutoAuthToken() {
		t.Errorf("auto-auth token unknown: pending %v status %d about %v", d.Pending, d.Status, d.AboutAutoAuthToken())
	}
	r.AutoAuthToken = "T_AUTO"
	if d := Decide(p, l, r); d.Pending || d.Status != http.StatusBadRequest {
		t.Errorf("the named token is the auto-auth token: pending %v status %d", d.Pending, d.Status)
	}
	r.AutoAuthToken = "T_OTHER_AUTO"
	if d := Decide(p, l, r); d.Pending || !d.Forwarded() || d.AboutAutoAuthToken() {
		t.Errorf("another token: pending %v status %d", d.Pending, d.Status)
	}
}
