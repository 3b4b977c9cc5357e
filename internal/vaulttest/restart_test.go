package vaulttest

import (
	"net/http"
	"testing"
)

// Kill ends the server (its address refuses connections); Restart brings a new one up at the same
// address, with the same root token and none of the old state.
func TestKillRestart(t *testing.T) {
	d := StartDev(t)
	c := d.Client(t)
	if _, err := c.Logical().Write("secret/data/x", map[string]any{"data": map[string]any{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	addr := d.Addr()
	d.Kill()
	if resp, err := http.Get(addr + "/v1/sys/health"); err == nil {
		resp.Body.Close()
		t.Fatalf("after Kill: %s answered %d", addr, resp.StatusCode)
	}
	d.Restart(t)
	if d.Addr() != addr {
		t.Fatalf("restarted at %s, want %s", d.Addr(), addr)
	}
	if _, err := c.Auth().Token().LookupSelf(); err != nil {
		t.Fatalf("the root token after Restart: %v", err)
	}
	// A read may fail while the new KV v2 mount upgrades; it must never find the old secret.
	if s, err := c.Logical().Read("secret/data/x"); s != nil {
		t.Fatalf("the secret after Restart: %v (%v); want none (a new dev server)", s.Data, err)
	}
}
