package autoauth

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/vaultproxy/vaultproxy/internal/testproc"
	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// proxyOutput collects output that a process or logger writes while the test reads it.
type proxyOutput = testproc.Buffer

// startVaultProxy runs the real `vault proxy` (skipped without the binary) on the HCL config, with
// only PATH, a fresh HOME and env in its environment; it is killed when the test ends, and its
// output logged if the test failed.
func startVaultProxy(t *testing.T, hcl string, env ...string) {
	t.Helper()
	bin := vaulttest.Binary(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "proxy.hcl")
	if err := os.WriteFile(cfg, []byte(hcl), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "proxy", "-config="+cfg)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, env...)
	out := &proxyOutput{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("vault proxy output:\n%s", out)
		}
	})
}

// waitFor polls cond for up to 30s (vault proxy starts in about a second).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("no %s after 30s", what)
}
