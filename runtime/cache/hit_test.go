package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// keyV1 is the key as it was computed before keySource (a streaming sha256 over the same fields),
// kept as the specification of the hashed input: persisted cache files carry keys computed this way,
// so keySource.sum must give the same bytes for every request.
func keyV1(req *http.Request, body []byte) cacheKey {
	h := sha256.New()
	var scratch [binary.MaxVarintLen64]byte
	field := func(s string) {
		n := binary.PutUvarint(scratch[:], uint64(len(s)))
		h.Write(scratch[:n])
		h.Write([]byte(s))
	}
	field(req.Method)
	field(req.URL.EscapedPath())
	field(req.URL.RawQuery)
	field(canonicalNamespace(req.Header.Get(headerNamespace)))
	field(req.Header.Get(headerToken))
	keyV1Headers(h, req.Header, field)
	n := binary.PutUvarint(scratch[:], uint64(len(body)))
	h.Write(scratch[:n])
	h.Write(body)
	var k cacheKey
	h.Sum(k[:0])
	return k
}

func keyV1Headers(_ hash.Hash, hdr http.Header, field func(string)) {
	var names []string
	for name := range hdr {
		if !keyExcludedHeaders[http.CanonicalHeaderKey(name)] {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		field("")
		return
	}
	slices.Sort(names)
	field(strconv.Itoa(len(names)))
	for _, name := range names {
		field(http.CanonicalHeaderKey(name))
		vals := hdr[name]
		field(strconv.Itoa(len(vals)))
		for _, v := range vals {
			field(v)
		}
	}
}

func TestKeyUnchanged(t *testing.T) {
	many := http.Header{}
	for i := range 40 { // more than maxSortedHeaders
		many.Add("X-Custom-"+strconv.Itoa(i), "v")
	}
	big := strings.Repeat("b", smallBody+1)
	for _, c := range []struct {
		name, method, target, body string
		header                     http.Header
	}{
		{name: "bare", method: "GET", target: "/v1/secret/x"},
		{name: "create", method: "POST", target: "/v1/auth/token/create", body: `{"ttl":"1h"}`,
			header: http.Header{"X-Vault-Token": {"T"}, "Content-Type": {"application/json"}, "User-Agent": {"x"}}},
		{name: "namespace canonical", method: "GET", target: "/v1/x", header: http.Header{"X-Vault-Namespace": {"a/b/"}}},
		{name: "namespace to canonicalise", method: "GET", target: "/v1/x", header: http.Header{"X-Vault-Namespace": {" /a//b "}}},
		{name: "namespace with a space inside", method: "GET", target: "/v1/x", header: http.Header{"X-Vault-Namespace": {"a /b/"}}},
		{name: "query and escapes", method: "GET", target: "/v1/secret/a%2Fb?version=2&x=%20", header: http.Header{"Authorization": {"Bearer T"}}},
		{name: "values", method: "PUT", target: "/v1/x", body: "{}", header: http.Header{"X-A": {"1", "2"}, "x-lower": {"v"}, "X-Vault-Index": {"i"}}},
		{name: "many headers", method: "GET", target: "/v1/x", header: many},
		{name: "large body", method: "POST", target: "/v1/x", body: big},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.target, nil)
			if c.header != nil {
				req.Header = c.header
			}
			if got, want := computeKey(req, []byte(c.body)), keyV1(req, []byte(c.body)); got != want {
				t.Errorf("key %x, want %x", got, want)
			}
		})
	}
}

// TestLookupKeyIsTheRequestVaultReceives: Lookup keys the client's headers with Drop left out and
// the chosen token and namespace, as RoundTrip keys the request after the proxy rewrote it.
func TestLookupKeyIsTheRequestVaultReceives(t *testing.T) {
	client := http.Header{"X-Vault-Token": {"T_CLIENT"}, "Expect": {"100-continue"}, "Content-Type": {"application/json"},
		"X-Vault-Namespace": {"team"}}
	sent := http.Header{"X-Vault-Token": {"T_AUTO"}, "Content-Type": {"application/json"}, "X-Vault-Namespace": {"org/team/"}}
	req := httptest.NewRequest("POST", "/v1/auth/token/create", nil)
	req.Header = sent
	src := keySource{method: "POST", escapedPath: "/v1/auth/token/create", namespace: "org/team/", token: "T_AUTO",
		header: client, drop: []string{"Expect"}, body: []byte(`{}`)}
	if got, want := src.sum(), computeKey(req, []byte(`{}`)); got != want {
		t.Errorf("Lookup's key %x, RoundTrip's %x", got, want)
	}
	src.drop = nil
	if src.sum() == computeKey(req, []byte(`{}`)) {
		t.Error("a header Vault does not receive left the key unchanged")
	}
}

// lookupOf is the HitRequest of what harness.do sends.
func lookupOf(method, path, token, body string, hdr ...string) *HitRequest {
	hr := &HitRequest{Method: method, Path: path, EscapedPath: path, Token: token, Header: http.Header{}, Body: []byte(body)}
	if token != "" {
		hr.Header.Set("X-Vault-Token", token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		hr.Header.Add(hdr[i], hdr[i+1])
	}
	return hr
}

// TestLookupServesWhatRoundTripServes: a hit from Lookup has RoundTrip's status, headers (as a
// reverse proxy passes them on), Age and body with the time left; and counts as a hit.
func TestLookupServesWhatRoundTripServes(t *testing.T) {
	// A clock that stands still but for offset; the lease is renewed once, at offset 0, before the
	// clock moves (its expiry is then counted from the same instant).
	var offset atomic.Int64
	base := time.Now()
	h := newHarness(t, func(o *Options) {
		o.Now = func() time.Time { return base.Add(time.Duration(offset.Load())) }
	})
	if hit := h.cache.Lookup(lookupOf("GET", "/v1/database/creds/app", fakeRoot, "")); hit != nil {
		t.Fatal("a hit before anything was cached")
	}
	h.do("GET", "/v1/database/creds/app", fakeRoot, "")
	waitFor(t, 5*time.Second, "first renewal", func() bool { return h.fake.count("PUT /v1/sys/leases/renew") >= 1 })
	offset.Store(int64(42*time.Second + 300*time.Millisecond))
	want := h.do("GET", "/v1/database/creds/app", fakeRoot, "")
	hit := h.cache.Lookup(lookupOf("GET", "/v1/database/creds/app", fakeRoot, ""))
	if hit == nil {
		t.Fatal("no hit")
	}
	got := hit.Header.Clone()
	got["Age"] = hit.Age
	if hit.ContentLength != nil {
		got["Content-Length"] = hit.ContentLength
	}
	removeHopByHop(want.header)
	if hit.Status != want.status || !cmp.Equal(got, want.header) || string(hit.Body) != want.raw {
		t.Errorf("Lookup: %d %v %s\nRoundTrip: %d %v %s", hit.Status, got, hit.Body, want.status, want.header, want.raw)
	}
	if got.Get("Age") != "42" || got.Get("X-Cache") != "HIT" {
		t.Errorf("Age %q X-Cache %q", got.Get("Age"), got.Get("X-Cache"))
	}
	// The same second: the same Hit, built once.
	if again := h.cache.Lookup(lookupOf("GET", "/v1/database/creds/app", fakeRoot, "")); again != hit {
		t.Error("a second Hit built within the same second")
	}
	// A minute later: Age and lease_duration move.
	offset.Store(int64(102*time.Second + 300*time.Millisecond))
	later := h.cache.Lookup(lookupOf("GET", "/v1/database/creds/app", fakeRoot, ""))
	if later == nil || later.Age[0] != "102" || !strings.Contains(string(later.Body), `"lease_duration":3497`) {
		t.Errorf("a minute later: Age %v body %s, want 102 and lease_duration 3497", later.Age, later.Body)
	}
	if n := h.metric("vault_proxy_cache_hits_total"); n != 4 { // RoundTrip's and three Lookups
		t.Errorf("hits_total %v, want 4", n)
	}
}

// TestLookupLeavesTheRestToRoundTrip: Lookup answers nothing it cannot answer alone.
func TestLookupLeavesTheRestToRoundTrip(t *testing.T) {
	h := newHarness(t, nil)
	h.do("POST", "/v1/auth/token/create", fakeRoot, `{"policies":["default"]}`)
	if h.cache.Lookup(lookupOf("POST", "/v1/auth/token/create", fakeRoot, `{"policies":["default"]}`)) == nil {
		t.Fatal("no hit for the cached request")
	}
	for name, hr := range map[string]*HitRequest{
		"another token":   lookupOf("POST", "/v1/auth/token/create", "T_OTHER", `{"policies":["default"]}`),
		"another body":    lookupOf("POST", "/v1/auth/token/create", fakeRoot, `{"policies":["other"]}`),
		"another header":  lookupOf("POST", "/v1/auth/token/create", fakeRoot, `{"policies":["default"]}`, "X-Custom", "1"),
		"wrapped":         lookupOf("POST", "/v1/auth/token/create", fakeRoot, `{"policies":["default"]}`, "X-Vault-Wrap-TTL", "60"),
		"a revocation":    lookupOf("POST", "/v1/auth/token/revoke-self", fakeRoot, ""),
		"a DELETE":        lookupOf("DELETE", "/v1/auth/token/create", fakeRoot, `{"policies":["default"]}`),
		"an unread token": lookupOf("POST", "/v1/auth/token/create", "", `{"policies":["default"]}`),
	} {
		if h.cache.Lookup(hr) != nil {
			t.Errorf("%s: a hit", name)
		}
	}
	// An entry restored and not yet confirmed by Vault is waited for on RoundTrip's way only.
	h.cache.mu.Lock()
	for _, e := range h.cache.idx.byKey {
		e.unverified = make(chan struct{})
	}
	h.cache.mu.Unlock()
	if h.cache.Lookup(lookupOf("POST", "/v1/auth/token/create", fakeRoot, `{"policies":["default"]}`)) != nil {
		t.Error("an unverified entry answered")
	}
	h.cache.Close()
	if h.cache.Lookup(lookupOf("POST", "/v1/auth/token/create", fakeRoot, `{"policies":["default"]}`)) != nil {
		t.Error("a closed cache answered")
	}
}

func TestLookupOffWithStaticSecretsOrDynamicOff(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.DisableDynamicSecrets = true })
	h.do("POST", "/v1/auth/token/create", fakeRoot, `{}`)
	if h.cache.Lookup(lookupOf("POST", "/v1/auth/token/create", fakeRoot, `{}`)) != nil {
		t.Error("a hit with dynamic caching off")
	}
}

// TestHitHeaderAsReverseProxy: the served headers are what httputil.ReverseProxy passes on: the
// hop-by-hop headers and those Vault's Connection names are gone, and so is Age when named.
func TestHitHeaderAsReverseProxy(t *testing.T) {
	e := &entry{status: 200, body: []byte(`{}`), header: http.Header{
		"Content-Type": {"application/json"}, "Content-Length": {"2"}, "Connection": {"X-Gone, Age"}, "X-Gone": {"1"},
		"Keep-Alive": {"timeout=5"}, "X-Cache": {"HIT"}}}
	hit := e.hitAt(7, 0)
	want := http.Header{"Content-Type": {"application/json"}, "X-Cache": {"HIT"}}
	if !cmp.Equal(hit.Header, want) || hit.Age != nil || !cmp.Equal(hit.ContentLength, []string{"2"}) {
		t.Errorf("header %v Age %v Content-Length %v, want %v, no Age, 2", hit.Header, hit.Age, hit.ContentLength, want)
	}
}

// TestLookupConcurrent: hits served while the clock moves (and the renewer moves the lease's end)
// are each whole: an Age that never goes back for one client, a lease_duration within the lease, a
// Content-Length that is the body's.
func TestLookupConcurrent(t *testing.T) {
	var offset atomic.Int64
	h := newHarness(t, func(o *Options) {
		o.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	})
	h.do("GET", "/v1/database/creds/app", fakeRoot, "")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 300 {
			offset.Store(int64(time.Duration(i) * 1700 * time.Millisecond))
			time.Sleep(100 * time.Microsecond)
		}
	}()
	errs := make(chan string, 8)
	for range 8 {
		go func() {
			lastAge := 0
			for {
				select {
				case <-done:
					errs <- ""
					return
				default:
				}
				hit := h.cache.Lookup(lookupOf("GET", "/v1/database/creds/app", fakeRoot, ""))
				if hit == nil {
					errs <- "no hit"
					return
				}
				age, _ := strconv.Atoi(hit.Age[0])
				var left int
				i := strings.Index(string(hit.Body), `"lease_duration":`)
				_, _ = fmt.Sscan(string(hit.Body[i+len(`"lease_duration":`):]), &left)
				switch {
				case age < lastAge:
					errs <- fmt.Sprintf("Age went back from %d to %d", lastAge, age)
					return
				case left < 1 || left > 3600:
					errs <- fmt.Sprintf("lease_duration %d", left)
					return
				case hit.ContentLength[0] != strconv.Itoa(len(hit.Body)):
					errs <- fmt.Sprintf("Content-Length %s for %d bytes", hit.ContentLength[0], len(hit.Body))
					return
				}
				lastAge = age
			}
		}()
	}
	for range 8 {
		if e := <-errs; e != "" {
			t.Fatal(e)
		}
	}
}

// TestLookupHitIsRecentlyUsed: a hit answered by Lookup makes its entry the most recently used, as
// RoundTrip's does (TestLRUEviction): the entry not used since is the one evicted.
func TestLookupHitIsRecentlyUsed(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxEntries = 2 })
	h.do("GET", "/v1/database/creds/a", fakeRoot, "")
	h.do("GET", "/v1/database/creds/b", fakeRoot, "")
	if hit := h.cache.Lookup(lookupOf("GET", "/v1/database/creds/a", fakeRoot, "")); hit == nil {
		t.Fatal("no hit for a")
	}
	h.do("GET", "/v1/database/creds/c", fakeRoot, "")
	if hit := h.cache.Lookup(lookupOf("GET", "/v1/database/creds/a", fakeRoot, "")); hit == nil {
		t.Error("the entry Lookup used last was evicted")
	}
	if hit := h.cache.Lookup(lookupOf("GET", "/v1/database/creds/b", fakeRoot, "")); hit != nil {
		t.Error("the least recently used entry was kept")
	}
}
