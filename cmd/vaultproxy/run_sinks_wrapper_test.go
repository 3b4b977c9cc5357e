package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestRunSinksWrapper: a sinks { sink { ... } } wrapper that loses nothing is what Vault Proxy runs
// (docs/differences.md, "The sinks wrapper is refused where it loses a setting"), so run takes it,
// with the warning, and writes the token to every wrapped sink, against a real Vault.
func TestRunSinksWrapper(t *testing.T) {
	f := newRunFixture(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	first, second := dir+"/token-1", dir+"/token-2"
	cfg := fmt.Sprintf(`
vault { address = %q }
auto_auth {
  method "approle" {
    config = {
      role_id_file_path   = %q
      secret_id_file_path = %q
    }
  }
  sinks {
    sink {
      type   = "file"
      config = { path = %q }
    }
    sink {
      type   = "file"
      config = { path = %q }
    }
  }
}
listener "tcp" {
  address     = %q
  tls_disable = true
}`, f.dev.Addr(), runWriteFile(t, dir, "role-id", f.roleID, 0o600), f.secretIDFile(t, dir), first, second, addr)
	var tokens []string
	p := startRun(t, cfg, func() []string { return append(f.secrets(), tokens...) }, addr)
	tok := waitSink(t, first, "")
	tokens = append(tokens, tok)
	if got := waitSink(t, second, ""); got != tok {
		tokens = append(tokens, got)
		t.Errorf("the second wrapped sink holds another token than the first")
	}
	look, err := f.root.Auth().Token().Lookup(tok)
	if err != nil || !strings.Contains(fmt.Sprint(look.Data["policies"]), "app") {
		t.Fatalf("sink token lookup: %v %v", look, err)
	}
	if !strings.Contains(p.stderr.String()+p.stdout.String(), "Sinks wrapper") {
		t.Errorf("run did not show the sinks wrapper warning:\n%s", p.stderr.String())
	}
}
