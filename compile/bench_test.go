package compile_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/validate"
)

// listenersHCL generates a configuration of n tcp listeners, each on its own port with a few
// settings, plus vault, api_proxy and auto_auth blocks.
func listenersHCL(n int) []byte {
	var b strings.Builder
	b.WriteString(`vault {
  address = "https://vault.example.test:8200"
  retry {
    num_retries = 3
  }
}

auto_auth {
  method "approle" {
    config = {
      role_id_file_path = "/etc/vproxy/role-id"
    }
  }
}

api_proxy {
  use_auto_auth_token = true
}
`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `
listener "tcp" {
  address                = "127.0.0.1:%d"
  tls_disable            = true
  require_request_header = true
  role                   = "default"
  proxy_api {
    enable_quit = false
  }
}
`, 10000+i)
	}
	return []byte(b.String())
}

// listenersJSON is listenersHCL in JSON syntax, with the type as a property.
func listenersJSON(n int) []byte {
	var b strings.Builder
	b.WriteString(`{
  "vault": {"address": "https://vault.example.test:8200", "retry": {"num_retries": 3}},
  "auto_auth": {"method": [{"type": "approle", "config": {"role_id_file_path": "/etc/vproxy/role-id"}}]},
  "api_proxy": {"use_auto_auth_token": true},
  "listener": [`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `
    {"type": "tcp", "address": "127.0.0.1:%d", "tls_disable": true, "require_request_header": true, "role": "default", "proxy_api": {"enable_quit": false}}`, 10000+i)
	}
	b.WriteString("\n  ]\n}\n")
	return []byte(b.String())
}

func benchmarkCompile(b *testing.B, src compile.Source) {
	b.ReportAllocs()
	b.SetBytes(int64(len(src.Bytes)))
	for b.Loop() {
		plan, diags := compile.Compile([]compile.Source{src}, compile.Options{})
		diags = append(diags, validate.Plan(plan)...)
		if diags.HasErrors() || len(plan.Listeners()) != 1000 {
			b.Fatalf("%d listeners: %v", len(plan.Listeners()), diags)
		}
	}
}

// BenchmarkCompile1000Listeners compiles and validates a configuration of 1,000 listeners. The aim
// is under 50 ms an operation.
func BenchmarkCompile1000Listeners(b *testing.B) {
	benchmarkCompile(b, compile.Source{Name: "proxy.hcl", Bytes: listenersHCL(1000)})
}

// BenchmarkCompile1000ListenersJSON is the same configuration in JSON syntax.
func BenchmarkCompile1000ListenersJSON(b *testing.B) {
	benchmarkCompile(b, compile.Source{Name: "proxy.json", Bytes: listenersJSON(1000)})
}
