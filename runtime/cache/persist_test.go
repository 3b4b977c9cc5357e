package cache

import (
	"encoding/base64"
	"encoding/binary"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	bolt "go.etcd.io/bbolt"
)

// persistFixture is one fake Vault and one cache directory, across several cache "runs".
type persistFixture struct {
	t    *testing.T
	fake *fakeVault
	dir  string // PersistOptions.Path (created by the cache)
	sa   string // service-account token file
	file string
}

func newPersistFixture(t *testing.T) *persistFixture {
	base := t.TempDir()
	f := &persistFixture{t: t, fake: newFakeVault(t), dir: filepath.Join(base, "cache"), sa: filepath.Join(base, "sa-token")}
	f.file = filepath.Join(f.dir, FileName)
	f.setJWT("eyJhbGciOiJSUzI1NiJ9.first-pod.signature")
	return f
}

func (f *persistFixture) setJWT(jwt string) {
	f.t.Helper()
	if err := os.WriteFile(f.sa, []byte(jwt+"\n"), 0o600); err != nil {
		f.t.Fatal(err)
	}
}

// testIdentity is the auto-auth identity of the fixture's runs (PersistOptions.AutoAuthIdentity).
const testIdentity = "identity-of-the-test-auto-auth"

func (f *persistFixture) opts(keep, exitOnErr bool) PersistOptions {
	return PersistOptions{Path: f.dir, ServiceAccountTokenFile: f.sa, KeepAfterImport: keep, ExitOnErr: exitOnErr,
		AutoAuthIdentity: testIdentity}
}

// run starts a cache on the fixture's fake Vault; the error is New's.
func (f *persistFixture) run(o PersistOptions, tweak func(*Options)) (*harness, error) {
	f.t.Helper()
	h := &harness{t: f.t, fake: f.fake, reg: prometheus.NewRegistry(), logs: &syncBuffer{}}
	h.auto.Store(fakeRoot)
	h.next = newCountingRT(http.DefaultTransport)
	opts := Options{
		Next:          h.next,
		Vault:         f.fake.client(f.t),
		AutoAuthToken: func() string { return h.auto.Load().(string) },
		Logger:        slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Registerer:    h.reg,
		Persist:       &o,
	}
	if tweak != nil {
		tweak(&opts)
	}
	c, err := New(opts)
	if err != nil {
		return nil, err
	}
	f.t.Cleanup(func() { c.Close() })
	h.cache = c
	return h, nil
}

func (f *persistFixture) mustRun(o PersistOptions, tweak func(*Options)) *harness {
	f.t.Helper()
	h, err := f.run(o, tweak)
	if err != nil {
		f.t.Fatal(err)
	}
	return h
}

func (f *persistFixture) exists() bool {
	_, err := os.Stat(f.file)
	return err == nil
}

// edit changes the closed cache file directly.
func (f *persistFixture) edit(fn func(tx *bolt.Tx) error) {
	f.t.Helper()
	db, err := bolt.Open(f.file, 0o600, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		f.t.Fatal(err)
	}
}

// start is Cache.Start, which must not fail.
func (h *harness) start() {
	h.t.Helper()
	if err := h.cache.Start(); err != nil {
		h.t.Fatalf("Start: %v", err)
	}
}

func (h *harness) closeCache() {
	h.t.Helper()
	if err := h.cache.Close(); err != nil {
		h.t.Fatalf("Close: %v", err)
	}
}

const (
	createBody = `{"policies":["default"]}`
	credsPath  = "/v1/database/creds/app"
)

// TestPersistRoundTrip: tokens and leases written through to the file are restored by the next run,
// answer the same requests with X-Cache: HIT and the same body, and start renewing only with Start;
// the auto-auth token comes back; the file and its directory are private.
func TestPersistRoundTrip(t *testing.T) {
	f := newPersistFixture(t)
	h := f.mustRun(f.opts(true, true), nil)
	tok := h.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
	lease := h.do("GET", credsPath, fakeRoot, "")
	child := tok.str("auth", "client_token")
	// A lease created by a cached token: restored after its owner.
	childLease := h.do("GET", "/v1/database/creds/other", child, "")
	if tok.header.Get("X-Cache") != "MISS" || lease.header.Get("X-Cache") != "MISS" || childLease.str("lease_id") == "" {
		t.Fatalf("setup: %q %q %q", tok.header.Get("X-Cache"), lease.header.Get("X-Cache"), childLease.raw)
	}
	h.cache.StoreAutoAuthToken(fakeRoot)
	h.closeCache()

	for path, want := range map[string]os.FileMode{f.dir: 0o700, f.file: 0o600} {
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v, mode %v; want %v", path, err, fi.Mode().Perm(), want)
		}
	}
	raw, _ := os.ReadFile(f.file)
	// A record holds the answer's body base64-encoded (JSON of a []byte): look for that form of the
	// credentials answer, not its short username, which random ciphertext may hold by chance.
	for _, secret := range []string{child, lease.str("lease_id"), fakeRoot, base64.StdEncoding.EncodeToString([]byte(lease.raw))} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the file holds %q in the clear", secret)
		}
	}

	renewals := func() int {
		return f.fake.count("PUT /v1/auth/token/renew-self") + f.fake.count("PUT /v1/sys/leases/renew")
	}
	before := renewals()
	h2 := f.mustRun(f.opts(true, true), nil)
	if n := h2.cache.Len(); n != 3 {
		t.Fatalf("restored %d entries, want 3", n)
	}
	if got := h2.cache.RestoredAutoAuthToken(); got != fakeRoot {
		t.Errorf("RestoredAutoAuthToken = %q, want %q", got, fakeRoot)
	}
	time.Sleep(100 * time.Millisecond)
	if renewals() != before {
		t.Error("restored entries renewed before Start")
	}
	h2.start()
	for _, c := range []struct {
		method, path, token, body string
		first                     result
	}{
		{"POST", "/v1/auth/token/create", fakeRoot, createBody, tok},
		{"GET", credsPath, fakeRoot, "", lease},
		{"GET", "/v1/database/creds/other", child, "", childLease},
	} {
		r := h2.do(c.method, c.path, c.token, c.body)
		if r.header.Get("X-Cache") != "HIT" || !sameAnswer(r.raw, c.first.raw) {
			t.Errorf("%s %s after restart: X-Cache %q, body %s; want a HIT with %s", c.method, c.path, r.header.Get("X-Cache"), r.raw, c.first.raw)
		}
	}
	if n := h2.next.count("POST /v1/auth/token/create") + h2.next.count("GET "+credsPath); n != 0 {
		t.Errorf("the restored entries went to Vault %d times", n)
	}
	// Each hit waited for its entry's first renewal (verify.go).
	if n := renewals(); n < before+3 {
		t.Errorf("%d renewals after the hits, want the three restored entries' first renewals", n-before)
	}
	if h2.metric("vault_proxy_cache_entries") != 3 {
		t.Errorf("entries gauge %v, want 3", h2.metric("vault_proxy_cache_entries"))
	}

	// The kept file goes on: a new entry and an eviction are written too.
	h2.do("POST", "/v1/auth/token/create", fakeRoot, `{"policies":["other"]}`)
	if r := h2.do("POST", "/v1/auth/token/revoke", fakeRoot, `{"token":"`+child+`"}`); r.status != 204 {
		t.Fatalf("revoke: %d", r.status)
	}
	h2.closeCache()
	h3 := f.mustRun(f.opts(true, true), nil)
	if n := h3.cache.Len(); n != 2 {
		t.Errorf("third run restored %d entries, want 2 (the revoked token and its lease gone, one new token)", n)
	}
	h3.start()
	if r := h3.do("POST", "/v1/auth/token/create", fakeRoot, `{"policies":["other"]}`); r.header.Get("X-Cache") != "HIT" {
		t.Errorf("the entry made after the restore: X-Cache %q", r.header.Get("X-Cache"))
	}
}

// TestPersistKeepAfterImport: without keep_after_import the file is deleted once restored and this
// run writes none (Vault Proxy's order), so the run after starts empty and creates a file again.
func TestPersistKeepAfterImport(t *testing.T) {
	f := newPersistFixture(t)
	h := f.mustRun(f.opts(false, true), nil)
	if !f.exists() {
		t.Fatal("no file created on the first start")
	}
	first := h.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
	h.closeCache()

	h2 := f.mustRun(f.opts(false, true), nil)
	// Deleted by Start, once the runtime serves: a start that fails before keeps the file.
	if !f.exists() {
		t.Error("the file is gone before Start")
	}
	h2.start()
	if f.exists() {
		t.Error("the file is still there after a restore without keep_after_import")
	}
	if r := h2.do("POST", "/v1/auth/token/create", fakeRoot, createBody); r.header.Get("X-Cache") != "HIT" || !sameAnswer(r.raw, first.raw) {
		t.Errorf("restored entry: X-Cache %q", r.header.Get("X-Cache"))
	}
	h2.do("GET", credsPath, fakeRoot, "")
	h2.closeCache()
	if f.exists() {
		t.Error("a run that imported without keep_after_import wrote a file")
	}

	h3 := f.mustRun(f.opts(false, true), nil)
	if h3.cache.Len() != 0 || !f.exists() {
		t.Errorf("third run: %d entries, file %v; want an empty cache and a new file", h3.cache.Len(), f.exists())
	}
	h3.closeCache()

	// With keep_after_import the file stays through the restore.
	h4 := f.mustRun(f.opts(true, true), nil)
	h4.do("GET", credsPath, fakeRoot, "")
	h4.closeCache()
	f.mustRun(f.opts(true, true), nil)
	if !f.exists() {
		t.Error("keep_after_import: the file is gone after the restore")
	}
}

// TestPersistExpiredSkipped: an entry past its expiry (as of its last renewal) is not restored, and
// is deleted from the kept file.
func TestPersistExpiredSkipped(t *testing.T) {
	f := newPersistFixture(t)
	f.fake.set(func() { f.fake.leaseTTL = 60 }) // tokens keep 3600
	h := f.mustRun(f.opts(true, true), nil)
	h.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
	h.do("GET", credsPath, fakeRoot, "")
	h.closeCache()

	later := func(o *Options) { o.Now = func() time.Time { return time.Now().Add(10 * time.Minute) } }
	h2 := f.mustRun(f.opts(true, true), later)
	if n := h2.cache.Len(); n != 1 {
		t.Fatalf("restored %d entries 10 minutes later, want 1 (the token; the 60s lease expired)", n)
	}
	h2.start()
	if r := h2.do("GET", credsPath, fakeRoot, "", "X-Probe", "1"); r.status != 200 {
		t.Fatal(r.status)
	}
	if r := h2.do("POST", "/v1/auth/token/create", fakeRoot, createBody); r.header.Get("X-Cache") != "HIT" {
		t.Errorf("the token: X-Cache %q", r.header.Get("X-Cache"))
	}
	h2.closeCache()
	leases := 0
	f.edit(func(tx *bolt.Tx) error { leases = tx.Bucket([]byte(bucketLease)).Stats().KeyN; return nil })
	if leases != 1 {
		t.Errorf("the lease bucket holds %d records, want 1 (the expired lease deleted, the probe's lease kept)", leases)
	}
}

// TestPersistClearAllFlushes: cache-clear "all" empties the file's entries but keeps the auto-auth
// token.
func TestPersistClearAllFlushes(t *testing.T) {
	f := newPersistFixture(t)
	h := f.mustRun(f.opts(true, true), nil)
	h.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
	h.do("GET", credsPath, fakeRoot, "")
	h.cache.StoreAutoAuthToken("hvs.auto")
	if r := h.clear("POST", `{"type":"all"}`); r.status != 200 {
		t.Fatalf("clear: %d", r.status)
	}
	h.closeCache()
	h2 := f.mustRun(f.opts(true, true), nil)
	if h2.cache.Len() != 0 || h2.cache.RestoredAutoAuthToken() != "hvs.auto" {
		t.Errorf("after clear all: %d entries, auto-auth %q; want 0 and the token", h2.cache.Len(), h2.cache.RestoredAutoAuthToken())
	}
}

// TestPersistOrphanedChildRecord: revoke-orphan clears the child's parent in the file too.
func TestPersistOrphanedChildRecord(t *testing.T) {
	f := newPersistFixture(t)
	h := f.mustRun(f.opts(true, true), nil)
	parent := h.do("POST", "/v1/auth/token/create", fakeRoot, createBody).str("auth", "client_token")
	child := h.do("POST", "/v1/auth/token/create", parent, createBody).str("auth", "client_token")
	if r := h.do("POST", "/v1/auth/token/revoke-orphan", fakeRoot, `{"token":"`+parent+`"}`); r.status != 204 {
		t.Fatal(r.status)
	}
	h.closeCache()
	h2 := f.mustRun(f.opts(true, true), nil)
	h2.cache.mu.Lock()
	e := h2.cache.idx.byToken[child]
	h2.cache.mu.Unlock()
	if e == nil || e.parent != "" || h2.cache.Len() != 1 {
		t.Fatalf("restored: %d entries, child %+v; want the child alone, an orphan", h2.cache.Len(), e)
	}
}

// TestPersistUnreadableFile: a file that cannot be restored is a clear error with exit_on_err, and
// otherwise an empty cache with a new file; never a panic.
func TestPersistUnreadableFile(t *testing.T) {
	seed := func(f *persistFixture) {
		h := f.mustRun(f.opts(true, true), nil)
		h.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
		h.do("GET", credsPath, fakeRoot, "")
		h.closeCache()
	}
	cases := []struct {
		name  string
		spoil func(f *persistFixture)
		want  string
	}{
		{"another service-account token", func(f *persistFixture) {
			f.setJWT("eyJhbGciOiJSUzI1NiJ9.second-pod.signature")
		}, "service_account_token_file holds another token"},
		{"altered key material", func(f *persistFixture) {
			f.edit(func(tx *bolt.Tx) error {
				return tx.Bucket([]byte(bucketMeta)).Put([]byte(metaKeyMaterial), newKeyMaterial())
			})
		}, "service_account_token_file holds another token"},
		{"a flipped bit in a lease record", func(f *persistFixture) {
			f.edit(func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte(bucketLease))
				k, v := b.Cursor().First()
				v = append([]byte(nil), v...)
				v[len(v)-5] ^= 0x10
				return b.Put(append([]byte(nil), k...), v)
			})
		}, "lease record 2 was altered"},
		{"a record moved to another key", func(f *persistFixture) {
			f.edit(func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte(bucketToken))
				k, v := b.Cursor().First()
				v = append([]byte(nil), v...)
				if err := b.Delete(append([]byte(nil), k...)); err != nil {
					return err
				}
				return b.Put(binary.BigEndian.AppendUint64(nil, 99), v)
			})
		}, "token record 99 was altered"},
		{"Vault Proxy's file", func(f *persistFixture) {
			f.edit(func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucketMeta)).Put([]byte(metaVersion), []byte("2")) })
		}, "written by Vault Proxy"},
		{"not a BoltDB file", func(f *persistFixture) {
			if err := os.WriteFile(f.file, []byte(strings.Repeat("not a database ", 1000)), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "not a readable BoltDB file"},
		{"a truncated file", func(f *persistFixture) {
			if err := os.Truncate(f.file, 4096); err != nil {
				t.Fatal(err)
			}
		}, "not a readable BoltDB file"},
		{"garbage after the meta pages", func(f *persistFixture) {
			b, err := os.ReadFile(f.file)
			if err != nil {
				t.Fatal(err)
			}
			for i := 2 * 4096; i < len(b); i++ {
				b[i] = byte(i*7 + 3)
			}
			if err := os.WriteFile(f.file, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "cache persist: restoring from"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newPersistFixture(t)
			seed(f)
			c.spoil(f)
			_, err := f.run(f.opts(true, true), nil)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "exit_on_err is set") {
				t.Fatalf("exit_on_err: New = %v, want an error saying %q", err, c.want)
			}
			if !f.exists() {
				t.Error("exit_on_err: the file was removed; it should stay for inspection")
			}
			h, err := f.run(f.opts(true, false), nil)
			if err != nil {
				t.Fatalf("without exit_on_err: New = %v, want an empty cache", err)
			}
			if h.cache.Len() != 0 || h.cache.RestoredAutoAuthToken() != "" {
				t.Errorf("without exit_on_err: %d entries restored", h.cache.Len())
			}
			if !strings.Contains(h.logs.String(), "cannot restore") {
				t.Errorf("the log does not say %q:\n%s", c.want, h.logs.String())
			}
			// The new file works with the current service-account token.
			h.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
			h.closeCache()
			if h2 := f.mustRun(f.opts(true, true), nil); h2.cache.Len() != 1 {
				t.Errorf("the file made after the failure restores %d entries, want 1", h2.cache.Len())
			}
		})
	}
}

// TestPersistFatalSetupErrors: a missing service-account token file or a path that cannot be a
// directory fail New whatever exit_on_err says, as in Vault Proxy.
func TestPersistFatalSetupErrors(t *testing.T) {
	f := newPersistFixture(t)
	o := f.opts(true, false)
	o.ServiceAccountTokenFile = filepath.Join(t.TempDir(), "missing")
	if _, err := f.run(o, nil); err == nil || !strings.Contains(err.Error(), "service_account_token_file") {
		t.Errorf("missing token file: %v", err)
	}
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	o = f.opts(true, false)
	o.Path = filepath.Join(blocker, "sub")
	if _, err := f.run(o, nil); err == nil || !strings.Contains(err.Error(), "creating the directory") {
		t.Errorf("path under a file: %v", err)
	}
}

// TestPersistFileInUse: a file another process holds is an error whatever exit_on_err says, and is
// not removed.
func TestPersistFileInUse(t *testing.T) {
	f := newPersistFixture(t)
	h := f.mustRun(f.opts(true, false), nil) // holds the file open, as another proxy would
	h.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
	if _, err := f.run(f.opts(true, false), nil); err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("second cache on the same file: %v", err)
	}
	h.closeCache()
	if h2 := f.mustRun(f.opts(true, true), nil); h2.cache.Len() != 1 {
		t.Errorf("the held file was harmed: %d entries restored, want 1", h2.cache.Len())
	}
}
