package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dirOf50Files writes a configuration split over 50 files, as a directory-driven deployment
// holds it: the vault, auto_auth (with a sink), api_proxy, cache and telemetry blocks in files
// of their own, and 45 files of one listener each, every third one with TLS settings.
func dirOf50Files(tb testing.TB) string {
	dir := tb.TempDir()
	files := map[string]string{
		"00-vault.hcl": `vault {
  address = "https://vault.example.test:8200"
  retry {
    num_retries = 3
  }
}
`,
		"01-auto-auth.hcl": `auto_auth {
  method "approle" {
    mount_path = "auth/approle"
    config = {
      role_id_file_path                   = "/etc/vproxy/role-id"
      secret_id_file_path                 = "/etc/vproxy/secret-id"
      remove_secret_id_file_after_reading = false
    }
  }
  sink "file" {
    config = {
      path = "/run/vproxy/token"
      mode = 0640
    }
  }
}
`,
		"02-api-proxy.hcl": `api_proxy {
  use_auto_auth_token = true
  enforce_consistency = "always"
  when_inconsistent   = "retry"
}
`,
		"03-cache.hcl": `cache {
  cache_static_secrets = true
}
`,
		"04-telemetry.hcl": `telemetry {
  prometheus_retention_time = "30s"
  disable_hostname          = true
}
`,
	}
	for i := 0; i < 45; i++ {
		var b strings.Builder
		fmt.Fprintf(&b, "listener \"tcp\" {\n  address = \"127.0.0.1:%d\"\n", 18000+i)
		if i%3 == 0 {
			b.WriteString("  tls_cert_file = \"/etc/vproxy/tls.crt\"\n  tls_key_file  = \"/etc/vproxy/tls.key\"\n  tls_min_version = \"tls12\"\n")
		} else {
			b.WriteString("  tls_disable = true\n")
		}
		b.WriteString("  require_request_header = true\n}\n")
		files[fmt.Sprintf("%02d-listener.hcl", 10+i)] = b.String()
	}
	if len(files) != 50 {
		tb.Fatalf("%d files, want 50", len(files))
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// BenchmarkValidateDir50Files is `vaultproxy validate DIR` on a directory of 50 configuration files:
// reading the files, compiling, the cross-block rules and the human output. The aim is under 100 ms
// an operation (issue 11: validate runs in editors' save hooks and in pre-commit).
func BenchmarkValidateDir50Files(b *testing.B) {
	dir := dirOf50Files(b)
	b.ReportAllocs()
	for b.Loop() {
		var errb strings.Builder
		if code := run([]string{"validate", dir}, &stdio{in: strings.NewReader(""), out: io.Discard, err: &errb}, mapEnv(nil)); code != 0 {
			b.Fatalf("exit %d: %s", code, errb.String())
		}
	}
}
