package cache

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
)

// fakeVault is a scripted upstream: enough of Vault's token store and lease API to drive the cache
// through what a dev server cannot do on demand (injected faults, exact lease timings); the real
// leases of the database engine are in vault_db_test.go.
type fakeVault struct {
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	n        int
	calls    map[string]int    // "METHOD /path" -> count
	tokens   map[string]string // live token -> parent ("" for orphans)
	leases   map[string]string // live lease -> owner token
	delay    time.Duration     // before answering a creation
	tokenTTL int               // lease_duration of created tokens
	leaseTTL int               // lease_duration of leases
	// maxTTL, when set, is the max TTL (seconds) of created tokens and leases: renewals answer
	// the time left, then fail.
	maxTTL  int
	expiry  map[string]time.Time // token or lease -> end of its max TTL
	ttl     map[string]int       // token or lease -> the TTL it was created with
	wrapped int                  // requests that asked for response wrapping
	kv      *kvFake              // KV mounts and the event stream (static_fake_test.go), when set
	// renewHold, when set, holds every renewal (renew-self, sys/leases/renew) until it is closed.
	renewHold chan struct{}
	// down answers every request 503, as a sealed Vault does.
	down bool
}

const fakeRoot = "root-fake"

func newFakeVault(t testing.TB) *fakeVault {
	f := &fakeVault{
		t:        t,
		calls:    map[string]int{},
		tokens:   map[string]string{fakeRoot: ""},
		leases:   map[string]string{},
		expiry:   map[string]time.Time{},
		ttl:      map[string]int{},
		tokenTTL: 3600,
		leaseTTL: 3600,
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeVault) count(methodPath string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[methodPath]
}

func (f *fakeVault) client(t testing.TB) *api.Client {
	cfg := api.DefaultConfig()
	cfg.Address = f.srv.URL
	cfg.MaxRetries = 0
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(fakeRoot)
	c.ClearNamespace()
	return c
}

func (f *fakeVault) revokeLocked(tok string) {
	delete(f.tokens, tok)
	for child, parent := range f.tokens {
		if parent == tok {
			f.revokeLocked(child)
		}
	}
	for l, owner := range f.leases {
		if owner == tok {
			delete(f.leases, l)
		}
	}
}

func (f *fakeVault) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var in map[string]any
	_ = json.Unmarshal(body, &in)
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" &&
		!strings.HasPrefix(strings.TrimSpace(string(body)), "{") {
		// As Vault's handler does: a form body instead of JSON.
		form, _ := url.ParseQuery(string(body))
		in = map[string]any{}
		for k, v := range form {
			in[k] = v[0]
		}
	}
	str := func(k string) string { s, _ := in[k].(string); return s }
	tok := r.Header.Get("X-Vault-Token")
	p := strings.TrimPrefix(r.URL.Path, "/v1/")
	// A namespace in the path is accepted and ignored.
	for strings.HasPrefix(p, "ns") && strings.Contains(p, "/") {
		p = p[strings.IndexByte(p, '/')+1:]
	}

	f.mu.Lock()
	f.calls[r.Method+" "+r.URL.Path]++
	if r.Header.Get("X-Vault-Wrap-TTL") != "" {
		f.wrapped++
	}
	delay := f.delay
	kv := f.kv
	hold := f.renewHold
	f.mu.Unlock()
	if hold != nil && (p == "auth/token/renew-self" || p == "sys/leases/renew") {
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	f.mu.Lock()
	down := f.down // after the hold: a held renewal answers as Vault is when it is released
	f.mu.Unlock()
	if down {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []string{"Vault is sealed"}})
		return
	}
	if kv != nil && kv.serve(w, r, body) {
		return
	}

	reply := func(v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	fail := func(status int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []string{msg}})
	}
	noContent := func() {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNoContent)
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	_, live := f.tokens[tok]
	needToken := func() bool {
		if !live {
			fail(http.StatusForbidden, "permission denied")
			return false
		}
		return true
	}
	switch {
	case p == "auth/token/create" || p == "auth/token/create-orphan" || strings.HasPrefix(p, "auth/userpass/login/"):
		login := strings.HasPrefix(p, "auth/userpass/login/")
		if !login && !needToken() {
			return
		}
		if delay > 0 {
			f.mu.Unlock()
			time.Sleep(delay)
			f.mu.Lock()
		}
		f.n++
		orphan := login || p == "auth/token/create-orphan"
		child := fmt.Sprintf("hvs.child%d", f.n)
		parent := tok
		if orphan {
			parent = ""
		}
		f.tokens[child] = parent
		f.ttl[child] = f.tokenTTL
		if f.maxTTL > 0 {
			f.expiry[child] = time.Now().Add(time.Duration(f.maxTTL) * time.Second)
		}
		renewable := str("renewable") != "false"
		reply(map[string]any{
			"request_id": fmt.Sprintf("req-%d", f.n), "lease_id": "", "renewable": false, "lease_duration": 0,
			"data": nil,
			"auth": map[string]any{
				"client_token": child, "accessor": fmt.Sprintf("acc%d", f.n), "policies": []string{"default"},
				"lease_duration": f.tokenTTL, "renewable": renewable, "orphan": orphan,
			},
		})
	case p == "database/creds/app" || strings.HasPrefix(p, "database/creds/"):
		if !needToken() {
			return
		}
		if delay > 0 {
			f.mu.Unlock()
			time.Sleep(delay)
			f.mu.Lock()
		}
		f.n++
		lease := fmt.Sprintf("%s/lease%d", p, f.n)
		f.leases[lease] = tok
		f.ttl[lease] = f.leaseTTL
		if f.maxTTL > 0 {
			f.expiry[lease] = time.Now().Add(time.Duration(f.maxTTL) * time.Second)
		}
		reply(map[string]any{
			"request_id": fmt.Sprintf("req-%d", f.n), "lease_id": lease, "renewable": true,
			"lease_duration": f.leaseTTL, "data": map[string]any{"username": fmt.Sprintf("u%d", f.n), "password": "p"},
		})
	case strings.HasPrefix(p, "secret/"):
		if !needToken() {
			return
		}
		f.n++
		reply(map[string]any{"request_id": fmt.Sprintf("req-%d", f.n), "lease_id": "", "renewable": false,
			"lease_duration": 2764800, "data": map[string]any{"n": f.n}})
	case p == "auth/token/renew-self":
		if !needToken() {
			return
		}
		ttl, ok := f.leftLocked(tok, f.ttlLocked(tok, f.tokenTTL))
		if !ok {
			fail(http.StatusForbidden, "permission denied")
			return
		}
		reply(map[string]any{"auth": map[string]any{"client_token": tok, "lease_duration": ttl, "renewable": true}})
	case p == "sys/leases/renew":
		if !needToken() {
			return
		}
		id := str("lease_id")
		if _, ok := f.leases[id]; !ok {
			fail(http.StatusBadRequest, "lease not found")
			return
		}
		ttl, ok := f.leftLocked(id, f.ttlLocked(id, f.leaseTTL))
		if !ok {
			fail(http.StatusBadRequest, "lease expired")
			return
		}
		reply(map[string]any{"lease_id": id, "renewable": true, "lease_duration": ttl})
	case p == "auth/token/revoke":
		if !needToken() {
			return
		}
		f.revokeLocked(str("token"))
		noContent()
	case p == "auth/token/revoke-self":
		if !needToken() {
			return
		}
		f.revokeLocked(tok)
		noContent()
	case p == "auth/token/revoke-orphan":
		if !needToken() {
			return
		}
		t := str("token")
		delete(f.tokens, t)
		for child, parent := range f.tokens {
			if parent == t {
				f.tokens[child] = ""
			}
		}
		for l, owner := range f.leases {
			if owner == t {
				delete(f.leases, l)
			}
		}
		noContent()
	case p == "auth/token/revoke-accessor":
		if !needToken() {
			return
		}
		noContent() // the cache side is what is tested
	case p == "sys/leases/revoke" || strings.HasPrefix(p, "sys/leases/revoke/"):
		if !needToken() {
			return
		}
		id := strings.TrimPrefix(p, "sys/leases/revoke/")
		if p == "sys/leases/revoke" {
			id = str("lease_id")
		}
		delete(f.leases, id)
		noContent()
	case strings.HasPrefix(p, "sys/leases/revoke-prefix/") || strings.HasPrefix(p, "sys/leases/revoke-force/"):
		if !needToken() {
			return
		}
		prefix, ok := strings.CutPrefix(p, "sys/leases/revoke-prefix/")
		if !ok {
			prefix = strings.TrimPrefix(p, "sys/leases/revoke-force/")
		}
		for l := range f.leases {
			if strings.HasPrefix(l, prefix) {
				delete(f.leases, l)
			}
		}
		noContent()
	default:
		fail(http.StatusNotFound, "no handler for route "+p)
	}
}

// leftLocked is the TTL a renewal of id answers: ttl, or less near the max TTL; ok is false past it.
func (f *fakeVault) leftLocked(id string, ttl int) (int, bool) {
	end, ok := f.expiry[id]
	if !ok {
		return ttl, true
	}
	left := int(time.Until(end) / time.Second)
	if left <= 0 {
		return 0, false
	}
	return min(ttl, left), true
}

// ttlLocked is the TTL id was created with, or def.
func (f *fakeVault) ttlLocked(id string, def int) int {
	if t, ok := f.ttl[id]; ok {
		return t
	}
	return def
}

// set runs change with the fake's lock held (its settings are read while serving).
func (f *fakeVault) set(change func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change()
}
