package cache

import (
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vaultproxy/vaultproxy/request"
)

// The hit fast path (issue 12): a proxy that has read a request's body and chosen its token and
// namespace asks Lookup for the answer before building the request Vault would receive. A hit is
// then written by the proxy straight from the entry, without http.Request clones, a reverse proxy
// or a cloned header: the entry keeps its answer's headers as the client gets them (built once, at
// its first hit) and, per second, the parts that change with the clock (Age, and the body whose
// lease_duration is the time left). Everything else — a miss, an unverified restored entry, an
// entry about to expire, static secrets, revocations — goes the RoundTrip way, which stays the one
// place that forwards, stores, waits, evicts and serves stale.

// HitRequest is a request as Vault would receive it, for Lookup: the client's request line, headers
// and body, with the token and namespace the proxy chose.
type HitRequest struct {
	Method string
	// Path is the URL path ("/v1/auth/token/create"); EscapedPath its escaped form, as sent to Vault.
	Path, EscapedPath string
	RawQuery          string
	// Namespace and Token are the X-Vault-Namespace and X-Vault-Token Vault receives.
	Namespace, Token string
	// Header is the client's; Drop names (canonically) the headers the proxy removes before Vault.
	Header http.Header
	Drop   []string
	Body   []byte
}

// Hit is a cached answer as served at one second: shared by every request served in it, and
// never modified.
type Hit struct {
	Status int
	// Header is Vault's answer's headers with X-Cache: HIT, without hop-by-hop headers (a reverse
	// proxy removes them), Age and Content-Length, which Age and ContentLength hold.
	Header http.Header
	// Age is the Age header's value; nil when Vault's answer named Age in Connection.
	Age []string
	// ContentLength is the Content-Length of Body when Vault's answer had one, else nil.
	ContentLength []string
	Body          []byte
}

// hitHeader is an entry's answer headers as a hit serves them (Hit.Header), built at its first hit.
type hitHeader struct {
	header        http.Header
	hasAge, hasCL bool
	// now is the Hit of the last second served: rebuilt when the age or the time left changes.
	now atomic.Pointer[hitAt]
}

type hitAt struct {
	age, left int64
	hit       Hit
}

// Lookup returns the answer for hr when a token or lease entry answers it now, as RoundTrip's hit
// would, counting the hit; nil otherwise (the request is then to take the RoundTrip way, which
// looks again). It never waits and never forwards. With cache_static_secrets it answers nothing:
// RoundTrip then also watches every answer for KV writes (afterStaticWrite), hits included.
func (c *Cache) Lookup(hr *HitRequest) *Hit {
	if c.disabled || c.static != nil || len(hr.Body) > maxRequestBody {
		return nil
	}
	if classify(hr.Path).kind != opOther || !request.LeaseCacheable(hr.Method, hr.Header) {
		return nil
	}
	src := keySource{method: hr.Method, escapedPath: hr.EscapedPath, rawQuery: hr.RawQuery,
		namespace: hr.Namespace, token: hr.Token, header: hr.Header, drop: hr.Drop, body: hr.Body}
	key := src.sum()
	// Read-locked: hits run side by side, and none waits on another (under an exclusive lock,
	// concurrent hits of a busy proxy parked each other, a goroutine handoff per collision). Only a
	// hit whose entry is not already the most recently used takes the lock to move it.
	c.mu.RLock()
	now := c.now() // under the lock, as in hit: never before a renewal's new expiry was counted
	e := c.idx.byKey[key]
	var left int64
	if e != nil {
		left = secondsLeft(now, e.expires)
	}
	if c.closed || e == nil || e.unverified != nil || left < 1 {
		c.mu.RUnlock()
		return nil
	}
	front := c.lru.list.Front() == e.elem
	c.mu.RUnlock()
	if !front {
		c.mu.Lock()
		// A no-op when e was evicted since (list.List.MoveToFront of an element it no longer
		// holds); the answer is still the one found above, as a hit served after an eviction is.
		c.lru.list.MoveToFront(e.elem)
		c.mu.Unlock()
	}
	c.m.hits.Inc()
	return e.hitAt(int64(max(now.Sub(e.stored), 0)/time.Second), left)
}

// hitAt is e's Hit for an age and a time left, in whole seconds.
func (e *entry) hitAt(age, left int64) *Hit {
	hh := e.hitHeader()
	if !e.ttl.ok() {
		left = 0 // the body does not change with it
	}
	if cur := hh.now.Load(); cur != nil && cur.age == age && cur.left == left {
		return &cur.hit
	}
	at := &hitAt{age: age, left: left, hit: Hit{Status: e.status, Header: hh.header, Body: e.body}}
	if e.ttl.ok() {
		at.hit.Body = withDuration(e.body, e.ttl, left)
	}
	if hh.hasAge {
		at.hit.Age = []string{strconv.FormatInt(age, 10)}
	}
	if hh.hasCL {
		at.hit.ContentLength = []string{strconv.Itoa(len(at.hit.Body))}
	}
	hh.now.Store(at)
	return &at.hit
}

// hitHeader returns e's served headers, building them at the first hit: what hitResponse and then
// httputil.ReverseProxy make of e.header (Age and Content-Length added, then the hop-by-hop
// headers and those Connection names removed).
func (e *entry) hitHeader() *hitHeader {
	if hh := e.hit.Load(); hh != nil {
		return hh
	}
	h := e.header.Clone()
	h[headerAge] = nil
	_, hasCL := h["Content-Length"]
	removeHopByHop(h)
	hh := &hitHeader{header: h}
	_, hh.hasAge = h[headerAge]
	if hasCL {
		_, hh.hasCL = h["Content-Length"]
	}
	delete(h, headerAge)
	delete(h, "Content-Length")
	e.hit.CompareAndSwap(nil, hh)
	return e.hit.Load()
}

// hopHeaders are the headers httputil.ReverseProxy removes from an answer (RFC 9110 section 7.6.1).
var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// removeHopByHop removes from h what httputil.ReverseProxy does: the headers Connection names, then
// hopHeaders.
func removeHopByHop(h http.Header) {
	for _, f := range h["Connection"] {
		for sf := range strings.SplitSeq(f, ",") {
			if sf = textproto.TrimString(sf); sf != "" {
				h.Del(sf)
			}
		}
	}
	for _, name := range hopHeaders {
		h.Del(name)
	}
}
