package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testReload: SIGHUP with a valid new configuration swaps it in without dropping a request in
// flight; SIGHUP with an invalid one prints the diagnostics and the old configuration keeps serving.
func testReload(t *testing.T, f *runFixture) {
	rec := newRecordingVault(t, f.dev.Addr())
	rec.mu.Lock()
	rec.delay = func(r *http.Request) time.Duration {
		if strings.Contains(r.URL.RawQuery, "slow") {
			return 1500 * time.Millisecond
		}
		return 0
	}
	rec.mu.Unlock()
	addr, addr2 := freeAddr(t), freeAddr(t)
	cfg := func(requireHeader bool, extra string) string {
		return fmt.Sprintf(`
vault { address = %q }
listener "tcp" {
  address                = %q
  tls_disable            = true
  require_request_header = %v
}
%s`, rec.URL(), addr, requireHeader, extra)
	}
	p := startRun(t, cfg(false, ""), f.secrets, addr)
	url := "http://" + addr + "/v1/secret/data/app"
	h := http.Header{"X-Vault-Token": {f.clientToken}}
	if status, _ := rawDo(t, nil, "GET", url, h, ""); status != 200 {
		t.Fatalf("before reload: %d", status)
	}

	// A slow request in flight across the reload.
	var wg sync.WaitGroup
	var slowStatus int
	var slowBody string
	wg.Add(1)
	go func() {
		defer wg.Done()
		slowStatus, slowBody = rawDo(t, nil, "GET", url+"?slow=1", h, "")
	}()
	time.Sleep(300 * time.Millisecond)
	runWriteFile(t, dirOf(p.config), "proxy.hcl", cfg(true, fmt.Sprintf(`
listener "tcp" {
  address     = %q
  tls_disable = true
}`, addr2)), 0o600)
	p.signal(syscall.SIGHUP)
	p.waitLog(t, "configuration reloaded")
	p.waitListening(t, addr2)
	wg.Wait()
	if slowStatus != 200 || !strings.Contains(slowBody, `"k":"v2"`) {
		t.Errorf("request in flight across the reload: %d %s", slowStatus, slowBody)
	}
	if status, _ := rawDo(t, nil, "GET", url, h, ""); status != 412 {
		t.Errorf("after reload require_request_header is on: %d, want 412", status)
	}
	if status, _ := rawDo(t, nil, "GET", "http://"+addr2+"/v1/secret/data/app", h, ""); status != 200 {
		t.Errorf("new listener after reload: %d", status)
	}

	// An invalid configuration: diagnostics, and the running one keeps serving.
	runWriteFile(t, dirOf(p.config), "proxy.hcl", cfg(false, `api_proxy { use_auto_auth_token = "always" }`), 0o600)
	p.signal(syscall.SIGHUP)
	p.waitLog(t, "reload failed")
	if !strings.Contains(p.stderr.String(), "use_auto_auth_token") {
		t.Errorf("reload diagnostics do not name the problem:\n%s", p.stderr)
	}
	hh := http.Header{"X-Vault-Token": {f.clientToken}, "X-Vault-Request": {"true"}}
	if status, _ := rawDo(t, nil, "GET", url, hh, ""); status != 200 {
		t.Errorf("after an invalid reload: %d", status)
	}
	if status, _ := rawDo(t, nil, "GET", url, h, ""); status != 412 {
		t.Errorf("after an invalid reload the old settings must stay: %d, want 412", status)
	}
}

func dirOf(path string) string { return path[:strings.LastIndex(path, "/")] }

// testReloadJSONLog: with log_format = "json", what a failed reload reports (the invalid
// configuration's diagnostics, a file that fails to load) is JSON lines, like the rest of the log, so
// that a log collector sees why the reload failed.
func testReloadJSONLog(t *testing.T, f *runFixture) {
	addr := freeAddr(t)
	cfg := func(extra string) string {
		return fmt.Sprintf(`
vault { address = %q }
log_format = "json"
listener "tcp" {
  address     = %q
  tls_disable = true
}
%s`, f.dev.Addr(), addr, extra)
	}
	p := startRun(t, cfg(""), f.secrets, addr)
	runWriteFile(t, dirOf(p.config), "proxy.hcl", cfg(`api_proxy { use_auto_auth_token = "always" }`), 0o600)
	p.signal(syscall.SIGHUP)
	p.waitLog(t, "reload failed")
	var sawDiagnostic bool
	for _, line := range strings.Split(strings.TrimSpace(p.stderr.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("a log line is not JSON: %q", line)
			continue
		}
		if msg, _ := rec["msg"].(string); strings.HasPrefix(msg, "reload: ") && strings.Contains(fmt.Sprint(rec["detail"]), "always") {
			sawDiagnostic = rec["range"] != nil
		}
	}
	if !sawDiagnostic {
		t.Errorf("the invalid value's diagnostic, with its range, is not in the JSON log:\n%s", p.stderr)
	}
}
