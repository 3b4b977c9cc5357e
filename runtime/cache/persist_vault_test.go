package cache

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vaultproxy/vaultproxy/internal/pgtest"
)

// TestVaultPersistRevokedWhileStopped: a database lease cached, written to the file, then revoked
// at a real Vault while the proxy is stopped is never served after the restart: the request made
// right after Start waits for the lease's first renewal, which Vault refuses, and goes to Vault
// for a new lease. (Vault Proxy serves the restored lease at once, until its renewal fails.)
func TestVaultPersistRevokedWhileStopped(t *testing.T) {
	dir := t.TempDir()
	sa := filepath.Join(dir, "sa-token")
	if err := os.WriteFile(sa, []byte("eyJhbGciOiJSUzI1NiJ9.pod.signature"), 0o600); err != nil {
		t.Fatal(err)
	}
	persist := PersistOptions{Path: filepath.Join(dir, "cache"), ServiceAccountTokenFile: sa, KeepAfterImport: true, ExitOnErr: true}
	p := startVaultProxyWith(t, func(o *Options) { o.Persist = &persist })
	startDatabaseEngine(t, p, pgtest.Role{Name: "app", TTL: "1h", MaxTTL: "2h"})
	first := p.readCreds("app", "")
	if err := p.cache.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.root.Logical().Write("sys/leases/revoke", map[string]any{"lease_id": first.lease}); err != nil {
		t.Fatal(err)
	}

	reg := prometheus.NewRegistry()
	c, err := New(Options{Next: http.DefaultTransport, Vault: p.renewals.client(t, p.dev),
		AutoAuthToken: func() string { return p.auto }, Logger: slog.New(slog.DiscardHandler), Registerer: reg, Persist: &persist})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if c.Len() != 1 {
		t.Fatalf("restored %d entries, want the lease", c.Len())
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("GET", p.dev.Addr()+"/v1/database/creds/app", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Vault-Token", p.auto)
	resp, err := c.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		LeaseID string `json:"lease_id"`
	}
	_ = json.Unmarshal(raw, &out)
	if resp.Header.Get("X-Cache") != "MISS" || out.LeaseID == "" || out.LeaseID == first.lease {
		t.Fatalf("right after the restart: %d X-Cache %q lease %q; want a MISS with a new lease (the old %s was revoked)",
			resp.StatusCode, resp.Header.Get("X-Cache"), out.LeaseID, first.lease)
	}
	if n := gatherValue(t, reg, "vault_proxy_cache_hits_total"); n != 0 {
		t.Errorf("%v hits from the restored cache, want 0", n)
	}
}
