package compile

import (
	"strings"
	"testing"

	"github.com/vaultproxy/vaultproxy/schema"
)

// TestReadingAnUndeclaredAttributePanics checks the guard behind the Go identifiers of package schema:
// reading an attribute that the body's schema does not declare is a bug, not a default.
func TestReadingAnUndeclaredAttributePanics(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), `"tls_server_name" is not declared in the schema of block "listener"`) {
			t.Errorf("recovered %v", r)
		}
	}()
	getStr(emptyBody(schema.Listener), schema.VaultTLSServerName)
}

// TestEveryBuiltAttributeIsDeclared compiles a configuration with every block the builder reads, so
// that any attribute read from the wrong block panics here.
func TestEveryBuiltAttributeIsDeclared(t *testing.T) {
	src := Source{Name: "all.hcl", Bytes: []byte(`
vault {
  retry { num_retries = 3 }
}
api_proxy { use_auto_auth_token = true }
listener "tcp" {
  address     = "127.0.0.1:8100"
  tls_disable = true
  proxy_api { enable_quit = true }
}
cache {
  persist "kubernetes" { path = "/tmp" }
}
auto_auth {
  method "approle" {
    config = { role_id_file_path = "/r" }
  }
  sink "file" { config = { path = "/t" } }
}
telemetry {}
`)}
	if _, diags := Compile([]Source{src}, Options{}); diags.HasErrors() {
		t.Fatal(diags)
	}
}

// TestTLSVersionsMatchSchema checks that every TLS version the schema allows has its crypto/tls number,
// and back.
func TestTLSVersionsMatchSchema(t *testing.T) {
	for _, a := range []*schema.Attribute{schema.ListenerTLSMinVersion, schema.ListenerTLSMaxVersion} {
		if len(a.Enum) != len(tlsVersions) {
			t.Errorf("%s allows %v; compile knows %d versions", a.Name, a.Enum, len(tlsVersions))
		}
		for _, name := range a.Enum {
			v, ok := ParseTLSVersion(name)
			if !ok || v.String() != name {
				t.Errorf("%s: %q reads as %v (%v) and writes as %q", a.Name, name, uint16(v), ok, v.String())
			}
		}
	}
}

// TestNamespaceOverrides checks that VAULT_NAMESPACE and -namespace, which schema.VaultNamespace
// declares, decide the namespace of proxied requests and of the login over both written namespaces.
func TestNamespaceOverrides(t *testing.T) {
	src := Source{Name: "ns.hcl", Bytes: []byte(`
vault {
  namespace = "org-a"
}
auto_auth {
  method "approle" {
    namespace = "team-1"
    config = {
      role_id_file_path = "/r"
    }
  }
  sink "file" {
    config = {
      path = "/t"
    }
  }
}
`)}
	for _, tc := range []struct {
		opts   Options
		want   string
		origin string
	}{
		{Options{}, "org-a/", "ns.hcl:3,3-22"},
		{Options{Env: func(k string) (string, bool) { return "from-env", k == "VAULT_NAMESPACE" }}, "from-env/", "env VAULT_NAMESPACE"},
		{Options{Env: func(k string) (string, bool) { return "from-env", k == "VAULT_NAMESPACE" },
			Flags: map[string]string{"namespace": "from-flag"}}, "from-flag/", "flag -namespace"},
	} {
		p, diags := Compile([]Source{src}, tc.opts)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		if got := p.ProxyNamespace(); got.Get() != tc.want || got.Origin().String() != tc.origin {
			t.Errorf("proxy namespace %q from %s, want %q from %s", got.Get(), got.Origin(), tc.want, tc.origin)
		}
		a, _ := p.AutoAuth()
		login := a.Method().LoginNamespace()
		wantLogin, loginOrigin := tc.want, tc.origin
		if tc.origin == "ns.hcl:3,3-22" {
			wantLogin, loginOrigin = "team-1/", "ns.hcl:7,5-25"
		}
		if login.Get() != wantLogin || login.Origin().String() != loginOrigin {
			t.Errorf("login namespace %q from %s, want %q from %s", login.Get(), login.Origin(), wantLogin, loginOrigin)
		}
	}
}
