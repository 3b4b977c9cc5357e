package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testExitAfterAuth: a sink with wrap_ttl gets the wrapping information of a response-wrapped
// token (which unwraps to a working token), exit_after_auth ends the process with 0 once the sink is
// written, the pid file exists while it runs and is removed at exit, and log_format json gives one
// JSON object per line.
func testExitAfterAuth(t *testing.T, f *runFixture) {
	dir := t.TempDir()
	sink, pid := filepath.Join(dir, "wrapped"), filepath.Join(dir, "proxy.pid")
	cfg := fmt.Sprintf(`
pid_file        = %q
exit_after_auth = true
log_format      = "json"
vault {
  address = %q
}
auto_auth {
  method "approle" {
    config = {
      role_id_file_path   = %q
      secret_id_file_path = %q
    }
  }
  sink "file" {
    wrap_ttl = "5m"
    config = { path = %q }
  }
}`, pid, f.dev.Addr(), runWriteFile(t, dir, "role-id", f.roleID, 0o600), f.secretIDFile(t, dir), sink)
	p := startRun(t, cfg, f.secrets)
	if code := p.exited(15 * time.Second); code != 0 {
		t.Fatalf("exit_after_auth: exit code %d\n%s", code, p.stderr)
	}
	b, err := os.ReadFile(sink)
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Token        string `json:"token"`
		TTL          int    `json:"ttl"`
		CreationPath string `json:"creation_path"`
	}
	if err := json.Unmarshal(b, &info); err != nil || info.Token == "" || info.TTL != 300 || info.CreationPath != "sys/wrapping/wrap" {
		t.Fatalf("sink holds %q (%v), want wrapping information", b, err)
	}
	f.extra = append(f.extra, info.Token)
	unwrapped, err := f.root.Logical().Unwrap(info.Token)
	if err != nil || unwrapped == nil || unwrapped.Data["token"] == nil {
		t.Fatalf("unwrap: %v %v", unwrapped, err)
	}
	tok := unwrapped.Data["token"].(string)
	f.extra = append(f.extra, tok)
	if _, err := f.root.Auth().Token().Lookup(tok); err != nil {
		t.Errorf("unwrapped token does not work: %v", err)
	}
	if _, err := os.Stat(pid); !os.IsNotExist(err) {
		t.Errorf("pid file left behind: %v", err)
	}
	if !strings.Contains(p.stderr.String(), `"msg":"shutting down"`) {
		t.Errorf("no shutdown log line")
	}
	for _, line := range strings.Split(strings.TrimSpace(p.stderr.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil || m["level"] == nil {
			t.Errorf("log line is not JSON: %s", line)
		}
	}
}

// testPidFile: the pid file holds the process id while it serves.
func testPidFile(t *testing.T, f *runFixture) {
	dir := t.TempDir()
	pid := filepath.Join(dir, "proxy.pid")
	addr := freeAddr(t)
	p := startRun(t, fmt.Sprintf(`
pid_file = %q
vault {
  address = %q
}
cache {}
listener "tcp" {
  address     = %q
  tls_disable = true
}`, pid, f.dev.Addr(), addr), f.secrets, addr)
	// A connection is accepted as soon as the socket is bound; the pid file is there once a listener
	// answers (run writes it before serving the first request).
	if status, _ := rawDo(t, nil, "GET", "http://"+addr+"/proxy/v1/metrics", nil, ""); status != 200 {
		t.Fatalf("metrics: %d", status)
	}
	b, err := os.ReadFile(pid)
	if err != nil || strings.TrimSpace(string(b)) != fmt.Sprint(p.cmd.Process.Pid) {
		t.Errorf("pid file: %q %v, want %d", b, err, p.cmd.Process.Pid)
	}
	// A cache block: run serves through the lease cache, and says so.
	p.waitLog(t, "lease cache on")
	status, _ := rawDo(t, nil, "GET", "http://"+addr+"/v1/secret/data/app", http.Header{"X-Vault-Token": {f.clientToken}}, "")
	if status != 200 {
		t.Errorf("with a cache block: %d", status)
	}
	p.stop(t)
	if _, err := os.Stat(pid); !os.IsNotExist(err) {
		t.Errorf("pid file left after SIGTERM: %v", err)
	}
}

// testRefusals: what run cannot do is refused before anything starts, with a clear error, which
// the plan preview of the same plan file gives too. Each case is a configuration whose plan file
// run refuses.
func testRefusals(t *testing.T, f *runFixture) {
	dir := t.TempDir()
	for name, c := range map[string]struct{ cfg, want string }{
		"plan file without its DH sink's aad": {fmt.Sprintf(`
vault {
  address = %q
}
auto_auth {
  method "approle" {
    config = { role_id_file_path = %q }
  }
  sink "file" {
    dh_type = "curve25519"
    dh_path = %q
    aad     = "written"
    config  = { path = %q }
  }
}`, f.dev.Addr(), filepath.Join(dir, "role"), filepath.Join(dir, "peer.pub"), filepath.Join(dir, "sink")), `its aad is not in the plan`},
	} {
		path := runWriteFile(t, dir, "c.hcl", c.cfg, 0o600)
		planPath := filepath.Join(dir, "plan.json")
		if out, err := runBinary(t, "plan", "-out="+planPath, path); err != nil {
			t.Fatalf("%s: plan -out: %v\n%s", name, err, out)
		}
		if out, _ := runBinary(t, "plan", planPath); !strings.Contains(out, "vaultproxy run refuses this configuration") || !strings.Contains(out, c.want) {
			t.Errorf("%s: the plan preview does not say run refuses it:\n%s", name, out)
		}
		out, err := runBinary(t, "run", planPath)
		if err == nil || !strings.Contains(out, c.want) {
			t.Errorf("%s: err %v, output:\n%s", name, err, out)
		}
	}
}

// testPlanFile: `vaultproxy plan -out=plan.json` then `vaultproxy run plan.json` serves the plan.
func testPlanFile(t *testing.T, f *runFixture) {
	dir := t.TempDir()
	addr := freeAddr(t)
	cfgPath := runWriteFile(t, dir, "proxy.hcl", f.tokenFileConfig(t, f.dev.Addr(), addr, "api_proxy { use_auto_auth_token = true }", ""), 0o600)
	planPath := filepath.Join(dir, "plan.json")
	if out, err := runBinary(t, "plan", "-out="+planPath, cfgPath); err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	startProcess(t, exec.Command(vaultproxyBin, "run", planPath), planPath, f.secrets, addr)
	status, body := rawDo(t, nil, "GET", "http://"+addr+"/v1/secret/data/app", http.Header{"X-Vault-Request": {"true"}}, "")
	if status != 200 || !strings.Contains(body, `"k":"v2"`) {
		t.Errorf("run from a plan file: %d %s", status, body)
	}
}
