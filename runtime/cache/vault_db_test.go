package cache

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vaultproxy/vaultproxy/internal/pgtest"
	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// Leased dynamic secrets from a real secrets engine: Vault's database engine issuing PostgreSQL
// credentials (internal/pgtest), through the cache in front of a Vault dev server. Vault is the full
// build of scripts/build-vault.sh (a -tags minimal build has no database engine).

// renewalRecorder is the transport of the cache's renewal client: it records each renewal Vault
// answered (sys/leases/renew and auth/token/renew*), with the lease_duration it granted.
type renewalRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen []renewal
}

type renewal struct {
	path     string
	leaseID  string
	duration int // seconds granted
	at       time.Time
}

func (rn renewal) String() string {
	return fmt.Sprintf("%s %ds at %s", rn.path, rn.duration, rn.at.Format("15:04:05.000"))
}

func (r *renewalRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil || !strings.Contains(req.URL.Path, "/renew") || resp.StatusCode != 200 {
		return resp, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	var s api.Secret
	if json.Unmarshal(raw, &s) == nil {
		rn := renewal{path: req.URL.Path, leaseID: s.LeaseID, duration: s.LeaseDuration, at: time.Now()}
		if s.Auth != nil {
			rn.duration = s.Auth.LeaseDuration
		}
		r.mu.Lock()
		r.seen = append(r.seen, rn)
		r.mu.Unlock()
	}
	return resp, nil
}

// of returns the recorded renewals of leaseID, oldest first.
func (r *renewalRecorder) of(leaseID string) []renewal {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []renewal
	for _, rn := range r.seen {
		if rn.leaseID == leaseID {
			out = append(out, rn)
		}
	}
	return out
}

// client is a Vault client for dev whose requests go through the recorder.
func (r *renewalRecorder) client(t *testing.T, dev *vaulttest.Dev) *api.Client {
	t.Helper()
	cl, err := api.NewClient(&api.Config{Address: dev.Addr(), HttpClient: &http.Client{Transport: r}, MaxRetries: 2})
	if err != nil {
		t.Fatal(err)
	}
	cl.SetToken(dev.RootToken())
	cl.ClearNamespace()
	return cl
}

// dbRole is a database secrets engine role: its credentials live ttl and at most maxTTL.
type dbRole struct {
	name        string
	ttl, maxTTL string
}

// startDatabaseEngine starts PostgreSQL, mounts Vault's database engine at database/ with a
// connection to it, and creates roles whose credentials may log in.
func startDatabaseEngine(t *testing.T, p *vaultProxy, roles ...dbRole) *pgtest.Server {
	t.Helper()
	pg := pgtest.Start(t)
	if err := p.root.Sys().Mount("database", &api.MountInput{Type: "database"}); err != nil {
		if strings.Contains(err.Error(), "unknown") || strings.Contains(err.Error(), "plugin not found") {
			t.Fatalf("this Vault has no database secrets engine (a -tags minimal build?); scripts/build-vault.sh builds the full one: %v", err)
		}
		t.Fatal(err)
	}
	if _, err := p.root.Logical().Write("database/config/pg", map[string]any{
		"plugin_name":    "postgresql-database-plugin",
		"connection_url": pg.VaultConnectionURL(),
		"username":       pgtest.Superuser,
		"password":       pg.Password(),
		"allowed_roles":  "*",
	}); err != nil {
		t.Fatalf("database/config/pg: %v", err)
	}
	for _, r := range roles {
		if _, err := p.root.Logical().Write("database/roles/"+r.name, map[string]any{
			"db_name":             "pg",
			"creation_statements": []string{`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`},
			"default_ttl":         r.ttl,
			"max_ttl":             r.maxTTL,
		}); err != nil {
			t.Fatalf("database/roles/%s: %v", r.name, err)
		}
	}
	return pg
}

// creds is a database/creds answer.
type creds struct {
	r                  result
	lease              string
	username, password string
}

func (p *vaultProxy) readCreds(role, token string) creds {
	p.t.Helper()
	r := p.do("GET", "/v1/database/creds/"+role, token, "")
	if r.status != 200 {
		p.t.Fatalf("database/creds/%s: %d %s", role, r.status, r.raw)
	}
	c := creds{r: r, lease: r.str("lease_id"), username: r.str("data", "username"), password: r.str("data", "password")}
	if c.lease == "" || c.username == "" || c.password == "" {
		p.t.Fatalf("database/creds/%s: no lease or credentials: %s", role, r.raw)
	}
	if renewable, _ := r.body["renewable"].(bool); !renewable {
		p.t.Fatalf("database/creds/%s: lease not renewable: %s", role, r.raw)
	}
	return c
}

// TestVaultDatabaseCredsCached: the second read of database/creds/<role> with the same managed token
// is a hit with the same lease and credentials, which log in to PostgreSQL; Vault issued them once.
// Another managed token gets its own lease, never the first token's.
func TestVaultDatabaseCredsCached(t *testing.T) {
	p := startVaultProxy(t)
	pg := startDatabaseEngine(t, p, dbRole{name: "app", ttl: "1h", maxTTL: "2h"})

	first := p.readCreds("app", "")
	if got := first.r.header.Get("X-Cache"); got != "MISS" {
		t.Fatalf("first read: X-Cache %q, want MISS", got)
	}
	second := p.readCreds("app", "")
	if got := second.r.header.Get("X-Cache"); got != "HIT" {
		t.Fatalf("second read: X-Cache %q, want HIT", got)
	}
	if second.lease != first.lease || second.username != first.username || second.password != first.password {
		t.Fatalf("the hit carries lease %s user %s, want the first read's %s %s", second.lease, second.username, first.lease, first.username)
	}
	if second.r.header.Get("Age") == "" {
		t.Fatal("a hit without Age")
	}
	if n := p.next.count("GET /v1/database/creds/app"); n != 1 {
		t.Fatalf("Vault saw %d reads of database/creds/app, want 1", n)
	}
	if got, err := pg.Query(first.username, first.password, "SELECT current_user"); err != nil || got != first.username {
		t.Fatalf("the cached credentials do not log in: %q %v", got, err)
	}

	// A second managed token (a child of the auto-auth token, created through the proxy).
	other := p.mustCreate("", `{"policies":["root"],"ttl":"1h"}`).str("auth", "client_token")
	mine := p.readCreds("app", other)
	if mine.r.header.Get("X-Cache") != "MISS" || mine.lease == first.lease || mine.username == first.username {
		t.Fatalf("another token's first read: X-Cache %q lease %s; the auto-auth token's lease is %s",
			mine.r.header.Get("X-Cache"), mine.lease, first.lease)
	}
	if again := p.readCreds("app", other); again.r.header.Get("X-Cache") != "HIT" || again.lease != mine.lease {
		t.Fatalf("another token's second read: X-Cache %q lease %s, want HIT %s", again.r.header.Get("X-Cache"), again.lease, mine.lease)
	}
	if again := p.readCreds("app", ""); again.lease != first.lease {
		t.Fatalf("the auto-auth token now reads lease %s, want %s", again.lease, first.lease)
	}

	// An unmanaged token (made outside the proxy) is forwarded each time: two leases.
	sec, err := p.root.Auth().Token().CreateOrphan(&api.TokenCreateRequest{Policies: []string{"root"}, TTL: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	a, b := p.readCreds("app", sec.Auth.ClientToken), p.readCreds("app", sec.Auth.ClientToken)
	if a.r.header.Get("X-Cache") == "HIT" || b.r.header.Get("X-Cache") == "HIT" || a.lease == b.lease {
		t.Fatalf("unmanaged token: X-Cache %q %q, leases %s %s; want two leases from Vault",
			a.r.header.Get("X-Cache"), b.r.header.Get("X-Cache"), a.lease, b.lease)
	}

	// sys/leases/renew is never answered from the cache: each call reaches Vault and renews.
	for i := range 2 {
		r := p.do("PUT", "/v1/sys/leases/renew", "", `{"lease_id":"`+first.lease+`","increment":600}`)
		if r.status != 200 || r.str("lease_id") != first.lease || r.header.Get("X-Cache") != "" {
			t.Fatalf("renew %d: %d X-Cache %q %s", i, r.status, r.header.Get("X-Cache"), r.raw)
		}
	}
	if n := p.next.count("PUT /v1/sys/leases/renew"); n != 2 {
		t.Fatalf("Vault saw %d lease renewals from the client, want 2", n)
	}
}

// TestVaultDatabaseLeaseRenewedUntilMaxTTL: the cache renews a cached lease in the background (the
// entry outlives its first lease_duration and the credentials keep logging in), Vault grants
// shrinking lease_durations as the max TTL nears, and the entry is evicted when renewal ends: the
// next read is a new lease.
func TestVaultDatabaseLeaseRenewedUntilMaxTTL(t *testing.T) {
	p := startVaultProxy(t)
	const ttl, maxTTL = 3, 10 // seconds
	pg := startDatabaseEngine(t, p, dbRole{name: "short", ttl: fmt.Sprint(ttl, "s"), maxTTL: fmt.Sprint(maxTTL, "s")})

	start := time.Now()
	first := p.readCreds("short", "")
	if first.r.body["lease_duration"] != float64(ttl) {
		t.Fatalf("lease_duration %v, want %d", first.r.body["lease_duration"], ttl)
	}
	// Past the first lease_duration, the entry is still served and the lease still valid.
	time.Sleep(time.Duration(ttl)*time.Second + 1500*time.Millisecond)
	later := p.readCreds("short", "")
	if later.r.header.Get("X-Cache") != "HIT" || later.lease != first.lease {
		t.Fatalf("after %s: X-Cache %q lease %s, want a hit on %s", time.Since(start).Round(time.Millisecond),
			later.r.header.Get("X-Cache"), later.lease, first.lease)
	}
	if got, err := pg.Query(first.username, first.password, "SELECT 1"); err != nil || got != "1" {
		t.Fatalf("renewed credentials do not log in after their first TTL: %q %v", got, err)
	}

	waitFor(t, time.Duration(maxTTL+5)*time.Second, "eviction when renewal ends at the max TTL", func() bool {
		return p.cache.Len() == 0
	})
	if d := time.Since(start); d < time.Duration(maxTTL-ttl)*time.Second {
		t.Fatalf("evicted after %s, before renewals could reach the max TTL (%ds)", d, maxTTL)
	}
	rs := p.renewals.of(first.lease)
	if len(rs) < 2 {
		t.Fatalf("%d renewals of the lease, want at least 2: %+v", len(rs), rs)
	}
	for i, rn := range rs {
		if rn.path != "/v1/sys/leases/renew" {
			t.Fatalf("renewal %d went to %s", i, rn.path)
		}
		if rn.duration > ttl || (i > 0 && rn.duration > rs[i-1].duration) {
			t.Fatalf("renewal %d granted %ds after %ds; want at most %ds and never more than before: %+v", i, rn.duration, rs[max(i-1, 0)].duration, ttl, rs)
		}
	}
	if last := rs[len(rs)-1]; last.duration >= ttl {
		t.Fatalf("the last renewal granted %ds: the max TTL should have shrunk it below %ds: %+v", last.duration, ttl, rs)
	}
	// The watcher stops within its grace period before the max TTL (renewal_ended), or its last
	// renewal lands just after and Vault refuses it (renewal_failed): either ends the entry once.
	ended := gatherValue(t, p.reg, "vault_proxy_cache_evictions_total", "reason", "renewal_ended")
	failed := gatherValue(t, p.reg, "vault_proxy_cache_evictions_total", "reason", "renewal_failed")
	if ended+failed != 1 {
		t.Fatalf("evictions: renewal_ended %v renewal_failed %v, want one in all", ended, failed)
	}
	next := p.readCreds("short", "")
	if next.r.header.Get("X-Cache") != "MISS" || next.lease == first.lease {
		t.Fatalf("after eviction: X-Cache %q lease %s, want a new lease", next.r.header.Get("X-Cache"), next.lease)
	}
}

// TestVaultDatabaseLeaseRevocationEvicts: revoking the lease through the proxy, by body and URL
// form and by prefix, evicts the entry at once; the credentials stop working.
func TestVaultDatabaseLeaseRevocationEvicts(t *testing.T) {
	p := startVaultProxy(t)
	pg := startDatabaseEngine(t, p, dbRole{name: "app", ttl: "1h", maxTTL: "2h"})
	for _, tc := range []struct {
		name         string
		method, path string
		body         func(lease string) string
	}{
		{"body form", "PUT", "/v1/sys/leases/revoke", func(l string) string { return `{"lease_id":"` + l + `"}` }},
		{"URL form", "PUT", "/v1/sys/leases/revoke/", func(string) string { return "" }},
		{"prefix", "PUT", "/v1/sys/leases/revoke-prefix/database/creds/app", func(string) string { return "" }},
	} {
		c := p.readCreds("app", "")
		if c.r.header.Get("X-Cache") != "MISS" {
			t.Fatalf("%s: the read before revocation was %q", tc.name, c.r.header.Get("X-Cache"))
		}
		path := tc.path
		if strings.HasSuffix(path, "/revoke/") {
			path += c.lease
		}
		if r := p.do(tc.method, path, "", tc.body(c.lease)); r.status != 204 {
			t.Fatalf("%s: revoke %d %s", tc.name, r.status, r.raw)
		}
		if p.cache.Len() != 0 {
			t.Fatalf("%s: %d entries after the revocation, want none", tc.name, p.cache.Len())
		}
		if _, err := pg.Query(c.username, c.password, "SELECT 1"); err == nil {
			t.Fatalf("%s: revoked credentials still log in", tc.name)
		}
	}
}
