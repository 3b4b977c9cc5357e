package compile_test

import (
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/vaultproxy/vaultproxy/compile"
)

// maximalConfig writes every block the plan holds, so that its JSON plan has every field.
const maximalConfig = `
pid_file                 = "/run/vproxy/pid"
exit_after_auth          = false
disable_idle_connections = ["proxying"]
disable_keep_alives      = ["auto-auth"]
log_level                = "debug"
log_format               = "json"
log_file                 = "/var/log/vproxy.log"
log_rotate_duration      = "1h"
log_rotate_bytes         = 1024
log_rotate_max_files     = 3

vault {
  address         = "https://vault.example.test:8200"
  ca_cert         = "/etc/ca.pem"
  ca_path         = "/etc/ca.d"
  client_cert     = "/etc/client.pem"
  client_key      = "/etc/client-key.pem"
  tls_skip_verify = false
  tls_server_name = "vault"
  namespace       = "org-a"
  retry {
    num_retries = 3
  }
}

api_proxy {
  use_auto_auth_token          = true
  prepend_configured_namespace = true
  enforce_consistency          = "always"
  when_inconsistent            = "retry"
}

listener "tcp" {
  address                            = "127.0.0.1:8443"
  role                               = "default"
  require_request_header             = true
  tls_cert_file                      = "/etc/proxy.pem"
  tls_key_file                       = "/etc/proxy-key.pem"
  tls_min_version                    = "tls12"
  tls_max_version                    = "tls13"
  tls_cipher_suites                  = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
  tls_client_ca_file                 = "/etc/clients.pem"
  tls_require_and_verify_client_cert = true
  proxy_api {
    enable_quit = true
  }
}

listener "unix" {
  address      = "/run/vproxy.sock"
  tls_disable  = true
  socket_mode  = "0660"
  socket_user  = "vproxy"
  socket_group = "vproxy"
}

cache {
  cache_static_secrets = true
  persist "kubernetes" {
    path = "/vault/cache"
  }
}

auto_auth {
  enable_reauth_on_new_credentials = true
  method "jwt" {
    mount_path  = "auth/jwt"
    namespace   = "org-a/team-1"
    min_backoff = "2s"
    max_backoff = "1m"
    exit_on_err = false
    config = {
      path = "/var/run/jwt"
      role = "app"
    }
  }
  sink "file" {
    wrap_ttl    = "1m"
    dh_type     = "curve25519"
    dh_path     = "/etc/peer.pub"
    derive_key  = true
    aad         = "x"
    config = {
      path  = "/run/token"
      mode  = 0600
      owner = 0
      group = 0
    }
  }
}

telemetry {
  prometheus_retention_time = "1h"
  metrics_prefix            = "vproxy"
  disable_hostname          = true
}
`

// TestPlanFormatDocumented fails when a field name the JSON plan uses is not documented in
// docs/plan-format.md as `name`. It walks the plan of maximalConfig and every golden plan. The keys of
// a method's config are the method's, not the format's, and are skipped (their entries' fields are not).
func TestPlanFormatDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/plan-format.md")
	if err != nil {
		t.Fatal(err)
	}
	p, diags := compile.Compile([]compile.Source{{Name: "max.hcl", Bytes: []byte(maximalConfig)}}, compile.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	c, hasCache := p.Cache()
	_, hasPersist := c.Persist()
	a, hasAuth := p.AutoAuth()
	_, hasTelem := p.Telemetry()
	if !hasCache || !hasPersist || !hasAuth || len(a.Sinks()) == 0 || !hasTelem || len(p.Listeners()) != 2 {
		t.Fatal("maximalConfig lost a block")
	}
	plans := map[string][]byte{}
	plans["maximal"], err = p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range planGoldens(t) {
		plans[name] = b
	}
	keys := map[string]string{}
	for name, b := range plans {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		collectKeys(v, "", keys)
	}
	var missing []string
	for key, path := range keys {
		name := key[strings.LastIndex(key, ".")+1:]
		if !strings.Contains(string(doc), "`"+name+"`") {
			missing = append(missing, name+" (at "+path+")")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("docs/plan-format.md does not document the field %s", m)
	}
}

// collectKeys records every object key under v as "parent.key", with an example path to it.
func collectKeys(v any, path string, keys map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		parent := path[strings.LastIndex(path, ".")+1:]
		if i := strings.Index(parent, "["); i >= 0 {
			parent = parent[:i]
		}
		for k, e := range x {
			child := path + "." + k
			if parent == "config" && strings.HasSuffix(path, "method.config") {
				// A method config key: check the fields of its entry only.
				collectKeys(e, child, keys)
				continue
			}
			keys[parent+"."+k] = child
			collectKeys(e, child, keys)
		}
	case []any:
		for _, e := range x {
			collectKeys(e, path+"[]", keys)
		}
	}
}
