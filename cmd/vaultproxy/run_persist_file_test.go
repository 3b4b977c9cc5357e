package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// TestRunPersistFile: persist "file" (a vaultproxy extension) outside Kubernetes, through real
// restarts of `vaultproxy run` in front of a real Vault dev server. A token created through the proxy
// is answered again, from the restored file, after a restart, whether the key file is named by
// key_file or by VAULTPROXY_CACHE_PERSIST_KEY_FILE; the file does not hold the token in the clear;
// a run with another key, or without its key file, stops at start with an error naming the cause.
func TestRunPersistFile(t *testing.T) {
	dev := vaulttest.StartDev(t)
	dir := t.TempDir()
	cacheDir := filepath.Join(dir, "cache")
	newKey := func(name string) string {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		return runWriteFile(t, dir, name, base64.StdEncoding.EncodeToString(b)+"\n", 0o600)
	}
	key := newKey("cache.key")
	addr := freeAddr(t)
	config := func(keyFile string) string {
		kf := ""
		if keyFile != "" {
			kf = fmt.Sprintf("key_file = %q", keyFile)
		}
		return fmt.Sprintf(`
vault { address = %q }
cache {
  persist "file" {
    path              = %q
    %s
    keep_after_import = true
    exit_on_err       = true
  }
}
listener "tcp" {
  address     = %q
  tls_disable = true
}
`, dev.Addr(), cacheDir, kf, addr)
	}
	var child string
	secrets := func() []string { return []string{dev.RootToken(), child} }
	// The client's request: an orphan token (cached whoever asks), the same each time.
	create := func() (xcache, token string, ttl float64) {
		t.Helper()
		req, err := http.NewRequest("POST", "http://"+addr+"/v1/auth/token/create-orphan", strings.NewReader(`{"ttl":"1h","display_name":"persisted"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Vault-Token", dev.RootToken())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var out struct {
			Auth struct {
				ClientToken   string  `json:"client_token"`
				LeaseDuration float64 `json:"lease_duration"`
			} `json:"auth"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
		return resp.Header.Get("X-Cache"), out.Auth.ClientToken, out.Auth.LeaseDuration
	}

	// Run 1: the token is created at Vault and written to the file.
	p1 := startRun(t, config(key), secrets, addr)
	xc, tok, _ := create()
	child = tok
	if xc != "MISS" || child == "" {
		t.Fatalf("first create: X-Cache %q token %q", xc, child)
	}
	p1.stop(t)
	file := filepath.Join(cacheDir, "vault-agent-cache.db")
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("no cache file after the first run: %v", err)
	}
	if strings.Contains(string(raw), child) {
		t.Error("the cache file holds the token in the clear")
	}

	// Run 2, the key file named by the environment: the same request is a hit with the same token.
	path := runWriteFile(t, t.TempDir(), "proxy.hcl", config(""), 0o600)
	p2 := startProcessEnv(t, exec.Command(vaultproxyBin, "run", path), path, secrets,
		[]string{"VAULTPROXY_CACHE_PERSIST_KEY_FILE=" + key}, addr)
	xc, tok, ttl := create()
	if xc != "HIT" || tok != child {
		t.Fatalf("create after a restart: X-Cache %q token %q; want a HIT with %q", xc, tok, child)
	}
	if ttl < 1 || ttl > 3600 {
		t.Errorf("restored token served with lease_duration %v", ttl)
	}
	p2.stop(t)

	// Run 3, another key: the file cannot be read, and exit_on_err stops the run.
	p3 := startRun(t, config(newKey("other.key")), secrets)
	if code := p3.exited(30 * time.Second); code == 0 || code == -1 {
		t.Fatalf("a run with another key: exit code %d", code)
	}
	if !strings.Contains(p3.stderr.String(), "key_file holds another key") {
		t.Errorf("a run with another key says:\n%s", p3.stderr)
	}

	// Run 4, the key file gone: the run stops at start, naming it, and leaves the cache file alone.
	missing := filepath.Join(dir, "gone.key")
	p4 := startRun(t, config(missing), secrets)
	if code := p4.exited(30 * time.Second); code == 0 || code == -1 {
		t.Fatalf("a run without its key file: exit code %d", code)
	}
	if !strings.Contains(p4.stderr.String(), "reading key_file: open "+missing) {
		t.Errorf("a run without its key file says:\n%s", p4.stderr)
	}
	if _, err := os.Stat(file); err != nil {
		t.Errorf("the cache file after the failed starts: %v", err)
	}
}
