package autoauth

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vaultproxy/vaultproxy/internal/testproc"
	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// lockedBuffer collects output that a process or logger writes while the test reads it.
type lockedBuffer = testproc.Buffer

// startVaultProxyOCI runs the real `vault proxy` with an oci apikey method against vaultURL, in
// env, and returns its output; the process is killed at cleanup.
func startVaultProxyOCI(t *testing.T, bin, dir, vaultURL string, env []string) *lockedBuffer {
	t.Helper()
	hcl := fmt.Sprintf(`vault {
  address = %q
}
auto_auth {
  method "oci" {
    mount_path = "auth/oci-prod"
    config = {
      type = "apikey"
      role = "dev-role"
    }
  }
  sink "file" {
    config = {
      path = %q
    }
  }
}
`, vaultURL, filepath.Join(dir, "vault-proxy-sink"))
	cfg := filepath.Join(dir, "vault-proxy.hcl")
	if err := os.WriteFile(cfg, []byte(hcl), 0o600); err != nil {
		t.Fatal(err)
	}
	out := &lockedBuffer{}
	cmd := exec.Command(bin, "proxy", "-config="+cfg, "-log-level=debug")
	cmd.Env, cmd.Stdout, cmd.Stderr = env, out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
	})
	return out
}

// ociEnviron is the test process's environment with OCI_CONFIG_FILE and HOME as given (no OCI_*
// key variables: ociEnv removed them).
func ociEnviron(configFile, home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OCI_CONFIG_FILE=") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "VAULT_") {
			env = append(env, kv)
		}
	}
	if configFile != "" {
		env = append(env, "OCI_CONFIG_FILE="+configFile)
	}
	return append(env, "HOME="+home)
}

// Vault Proxy and vaultproxy, with the same OCI config file (OCI_CONFIG_FILE) and the same
// scripted Vault, send the same oci login: same path, the same four request headers with the same
// Host, (request-target), keyId and signed header list, each signature verified with the key's
// public key.
func TestOCIAPIKeyDifferential(t *testing.T) {
	bin := vaulttest.Binary(t)
	dir := t.TempDir()
	key := newOCIKey(t, dir, "key.pem")
	cfgFile := filepath.Join(dir, "config")
	writeOCIConfig(t, cfgFile, ociTenancy, ociUser, ociFinger, key.path)
	ociEnv(t, cfgFile)
	fv := &fakeVault{}
	srv := httptest.NewServer(http.HandlerFunc(fv.handler))
	defer srv.Close()

	out := startVaultProxyOCI(t, bin, dir, srv.URL, ociEnviron(cfgFile, dir))
	deadline := time.Now().Add(60 * time.Second)
	for fv.loginCount() == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if fv.loginCount() == 0 {
		t.Fatalf("Vault Proxy sent no login; its output:\n%s", out)
	}

	m, err := newOCI(Config{Method: "oci", MountPath: "auth/oci-prod", Strings: map[string]string{"type": "apikey", "role": "dev-role"}}, srv.URL, testLog)
	if err != nil {
		t.Fatal(err)
	}
	c, err := newAPIClient(srv.URL, srv.Client(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.login(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	fv.mu.Lock()
	defer fv.mu.Unlock()
	// Vault Proxy also asks sys/health at start: the login paths are those of the logins.
	var paths []string
	for _, p := range fv.paths {
		if strings.Contains(p, "/login") {
			paths = append(paths, p)
		}
	}
	ours := len(fv.logins) - 1
	wantKeyID := ociTenancy + "/" + ociUser + "/" + ociFinger
	t.Run("Vault Proxy", func(t *testing.T) {
		checkOCILogin(t, paths[0], fv.logins[0], srv.URL, "auth/oci-prod", "dev-role", key, wantKeyID)
	})
	t.Run("vaultproxy", func(t *testing.T) {
		checkOCILogin(t, paths[ours], fv.logins[ours], srv.URL, "auth/oci-prod", "dev-role", key, wantKeyID)
	})
}

// Neither reads $HOME/.oci/config: both take the user database's home directory (Vault's
// getHomeFolder uses user.Current), so with only HOME pointing at a directory holding .oci/config
// Vault Proxy does not start and vaultproxy refuses the method.
func TestOCIHomeVariableNotRead(t *testing.T) {
	bin := vaulttest.Binary(t)
	home := t.TempDir()
	if err := os.Mkdir(filepath.Join(home, ".oci"), 0o700); err != nil {
		t.Fatal(err)
	}
	key := newOCIKey(t, home, "key.pem")
	writeOCIConfig(t, filepath.Join(home, ".oci", "config"), ociTenancy, ociUser, ociFinger, key.path)
	ociEnv(t, filepath.Join(home, "absent"))
	if ociHomeDir() == home {
		t.Skip("the user database's home directory is the test's")
	}
	os.Unsetenv("OCI_CONFIG_FILE")
	t.Setenv("HOME", home)

	fv := &fakeVault{}
	srv := httptest.NewServer(http.HandlerFunc(fv.handler))
	defer srv.Close()
	out := startVaultProxyOCI(t, bin, home, srv.URL, ociEnviron("", home))
	const refusal = "did not find a proper configuration for key id"
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), refusal) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(out.String(), refusal) || fv.loginCount() != 0 {
		t.Errorf("Vault Proxy: %d logins; output:\n%s", fv.loginCount(), out)
	}
	_, err := newOCI(Config{Method: "oci", MountPath: "auth/oci", Strings: map[string]string{"type": "apikey", "role": "r"}}, srv.URL, testLog)
	if err == nil || !strings.Contains(err.Error(), refusal) {
		t.Errorf("vaultproxy: %v", err)
	}
}
