package cache

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/vaultproxy/vaultproxy/request"
)

// DefaultCapabilityRefreshInterval is how often a token's read access to the static secrets it
// reads is re-checked when StaticOptions.CapabilityRefreshInterval is 0 (Vault Proxy's default for
// static_secret_token_capability_refresh_interval).
const DefaultCapabilityRefreshInterval = 5 * time.Minute

// DefaultEventStreamRetry is the first wait after the event stream failed or dropped when
// StaticOptions.EventStreamRetry is 0.
const DefaultEventStreamRetry = time.Second

// StaticOptions configure static secret caching (cache_static_secrets = true), Vault Proxy's
// Enterprise feature (hashicorp/vault command/agentproxyshared/cache/lease_cache.go,
// static_secret_cache_updater.go and static_secret_capability_manager.go; docs/cache.md).
type StaticOptions struct {
	// CapabilityRefreshInterval is static_secret_token_capability_refresh_interval: how often each
	// token's read access to the secrets it was served is re-checked with sys/capabilities-self,
	// and how often every static secret is re-read while the event stream is down.
	// DefaultCapabilityRefreshInterval when 0.
	CapabilityRefreshInterval time.Duration
	// Pessimistic is static_secret_token_capability_refresh_behavior = "pessimistic": a capability
	// check that fails for another reason than "permission denied" (Vault unreachable, a 5xx)
	// removes the token's access, where the default ("optimistic") keeps it until the next check.
	Pessimistic bool
	// EventNamespace is the X-Vault-Namespace of the event subscription: the namespace the
	// auto-auth token belongs to ("" is the root namespace). It subscribes to that namespace and
	// all below it.
	EventNamespace string
	// InvalidToken is called with the auto-auth token when Vault refuses it on the event stream
	// with "invalid token", and when the refused subscription was sent, so auto-auth can check it
	// and log in again. May be nil.
	InvalidToken func(token string, sent time.Time)
	// EventStreamRetry is the first wait before reconnecting after the event stream failed or
	// dropped; it doubles after each failure in a row, up to 60 times itself
	// (DefaultEventStreamRetry when 0: 1s, then at most 1m).
	EventStreamRetry time.Duration

	// clock drives the event loop's waits (tests step it); the real clock when nil.
	clock loopClock
}

// Eviction reasons of static entries (the "reason" label of the evictions metric).
const (
	reasonRefreshFailed = "refresh_failed" // no allowed token could re-read it, or it is gone (404)
	reasonAccessLost    = "access_lost"    // its last allowed token lost read access or was revoked
	reasonWritten       = "written"        // a write to it through the proxy, or a versions event naming it
)

// Results of a static refresh (the "result" label of the static refreshes metric).
const (
	refreshUpdated = "updated"
	refreshEvicted = "evicted"
)

// staticCache is the static secret part of a Cache. Maps and tokenCaps fields are guarded by
// Cache.mu.
type staticCache struct {
	opts     StaticOptions
	interval time.Duration
	retry    time.Duration
	clock    loopClock
	base     *url.URL     // Vault's address
	client   *http.Client // to Vault, without redirects
	byKey    map[staticKey]*entry
	byFull   map[string]map[*entry]struct{} // staticKey.full() -> entries (events)
	byRel    map[string]map[*entry]struct{} // staticKey.rel -> entries (writes: OSS ignores the header)
	caps     map[string]*tokenCaps          // allowed token -> the static entries it reads
	due      chan *tokenCaps                // tokens whose capability check is due
	marks    staleMarks                     // writes and revocations that in-flight reads must not undo
	stream   streamState                    // the event stream, for serve_stale_for (static_stale.go)

	// noForward is set once Vault said forwarding via X-Vault-Forward is disabled.
	noForward atomic.Bool
	// probing is set while a stale answer's background re-read runs (static_stale.go).
	probing atomic.Bool

	capWarn, eventWarn warnLimiter
}

// staticKey identifies a static entry: one form of request Vault answered. The namespace header
// and the path are kept apart: on Vault OSS, which ignores X-Vault-Namespace, "X-Vault-Namespace:
// team1" + secret/data/x and team1/secret/data/x are different secrets. The version query is part
// of it, so a token Vault let read the current version is never served ?version=N, nor the reverse
// (a policy can allow or deny the version parameter alone).
type staticKey struct {
	ns      string // canonical X-Vault-Namespace, "" for the root namespace
	rel     string // the path after /v1/, as requested
	version int    // ?version=N, 0 for a read without query
}

// full is the secret's namespace-qualified path on Vault Enterprise ("ns1/secret/data/x"): what
// events name.
func (k staticKey) full() string { return k.ns + k.rel }

// query is the request's query, "" or "version=N".
func (k staticKey) query() string {
	if k.version == 0 {
		return ""
	}
	return "version=" + strconv.Itoa(k.version)
}

// staticData is what a static entry holds, guarded by Cache.mu.
type staticData struct {
	key  staticKey
	resp *staticResp
	// tokens are the tokens Vault let read key, in key's own form.
	tokens map[string]struct{}
}

// staticResp is one stored answer of Vault.
type staticResp struct {
	status int
	header http.Header // Vault's headers with X-Cache: HIT
	body   []byte
	stored time.Time
}

func (r *staticResp) size() int64 { return int64(len(r.body)) + headerSize(r.header) }

func (c *Cache) startStatic(o StaticOptions, autoAuth bool) error {
	if o.CapabilityRefreshInterval < 0 || o.EventStreamRetry < 0 {
		return errors.New("cache: StaticOptions durations must not be negative")
	}
	base, err := url.Parse(c.vault.Address())
	if err != nil || base.Host == "" {
		return errors.New("cache: static secrets: the Vault client has no usable address")
	}
	transport := c.vault.CloneConfig().HttpClient.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	s := &staticCache{
		opts:     o,
		interval: o.CapabilityRefreshInterval,
		retry:    o.EventStreamRetry,
		clock:    o.clock,
		base:     base,
		client: &http.Client{
			Transport:     transport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		byKey:     map[staticKey]*entry{},
		byFull:    map[string]map[*entry]struct{}{},
		byRel:     map[string]map[*entry]struct{}{},
		caps:      map[string]*tokenCaps{},
		due:       make(chan *tokenCaps),
		marks:     newStaleMarks(),
		capWarn:   warnLimiter{period: warnPeriod},
		eventWarn: warnLimiter{period: warnPeriod},
	}
	if s.interval == 0 {
		s.interval = DefaultCapabilityRefreshInterval
	}
	if s.retry == 0 {
		s.retry = DefaultEventStreamRetry
	}
	if s.clock == nil {
		s.clock = realClock{}
	}
	c.static = s
	for range capabilityWorkers {
		c.wg.Add(1)
		go c.capabilityWorker()
	}
	c.wg.Add(1)
	go c.runEvents(autoAuth)
	return nil
}

// staticReq is a GET the static cache may answer or store.
type staticReq struct {
	key   staticKey
	token string
	gen   uint64 // staleMarks generation when it was sent to Vault
}

// staticRequest returns the static side of req, or nil when the static cache may neither answer
// it nor store its answer: static caching off, not a GET, no token, a path outside /v1/, or a
// query other than a single version=N (N >= 1). Vault Proxy ignores other query parameters and
// answers ?list=true or ?foo=bar with the stored secret; here they always reach Vault.
func (c *Cache) staticRequest(req *http.Request, op pathOp) *staticReq {
	if c.static == nil || op.kind != opOther {
		return nil
	}
	token := requestToken(req.Header)
	rel, version, ok := request.StaticRead(req.Method, req.URL, token)
	if !ok {
		return nil
	}
	return &staticReq{key: staticKey{ns: canonicalNamespace(req.Header.Get(headerNamespace)), rel: rel, version: version}, token: token}
}

// staticHit answers sr from its static entry when the token is one Vault answered for exactly
// that request (namespace header, path and version query) and its access is not suspended
// pending a capability check; else nil. While Vault is known to be down, with serve_stale_for, the
// answer is stale, or nil when too old (static_stale.go).
func (c *Cache) staticHit(sr *staticReq, req *http.Request) *http.Response {
	now := c.now()
	c.mu.Lock()
	e := c.static.byKey[sr.key]
	var r *staticResp
	if e != nil {
		_, allowed := e.st.tokens[sr.token]
		if tc := c.static.caps[sr.token]; allowed && (tc == nil || !tc.suspended) {
			r = e.st.resp
		}
	}
	if r == nil {
		c.mu.Unlock()
		return nil
	}
	stale, age, ok := c.staleStaticLocked(r, now)
	if !ok {
		c.mu.Unlock()
		return nil
	}
	c.lru.list.MoveToFront(e.elem)
	c.mu.Unlock()
	resp := hitResponse(req, r.status, r.header, r.body, age)
	if stale {
		c.markStale(resp, e, age)
		c.probeStatic(sr.key)
		return resp
	}
	c.m.hits.Inc()
	c.m.staticHits.Inc()
	return resp
}

// isKVAnswer reports whether buf is the answer of a KV mount (mount_type "kv", as Vault Proxy
// checks).
func isKVAnswer(buf []byte) bool {
	var a struct {
		MountType string `json:"mount_type"`
	}
	return json.Unmarshal(buf, &a) == nil && a.MountType == "kv"
}

// storeStatic keeps a 2xx JSON answer to sr when it is a KV read, and adds sr's token to the
// entry's allowed tokens: Vault has just let it make that request. It reports whether the answer
// was a KV read (which is then never considered for the lease cache). Nothing is stored when a
// write to the secret or a revocation went through the proxy after sr was sent: the answer may
// predate it.
func (c *Cache) storeStatic(sr *staticReq, resp *http.Response, buf []byte) bool {
	if !isKVAnswer(buf) {
		return false
	}
	r := &staticResp{status: resp.StatusCode, header: resp.Header.Clone(), body: buf, stored: c.now()}
	r.header[headerCache] = []string{"HIT"}
	delete(r.header, headerAge)

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return true
	}
	if c.static.marks.stale(sr) {
		c.log.Debug("cache: static answer older than a write or revocation through the proxy; not stored",
			"path", "/v1/"+sr.key.rel, "namespace", sr.key.ns)
		return true
	}
	e := c.static.byKey[sr.key]
	if e == nil {
		e = &entry{
			kind:      kindStatic,
			namespace: sr.key.ns,
			path:      "/v1/" + sr.key.rel,
			st:        &staticData{key: sr.key, tokens: map[string]struct{}{}},
		}
		c.indexStaticLocked(e)
		e.elem = c.lru.list.PushFront(e)
		c.m.entries.Inc()
		c.m.staticEntries.Inc()
	} else {
		c.lru.list.MoveToFront(e.elem)
	}
	// Vault Proxy keeps the first answer and only adds the token; Vault's newest answer is at
	// least as fresh, so it replaces the stored one.
	e.st.resp = r
	e.st.tokens[sr.token] = struct{}{}
	c.addCapabilityLocked(sr.token, sr.key)
	c.resizeStaticLocked(e)
	return true
}

// resizeStaticLocked recomputes e's size after a change, and applies the cache's limits.
func (c *Cache) resizeStaticLocked(e *entry) {
	size := int64(entryOverhead)
	if e.st.resp != nil {
		size += e.st.resp.size()
	}
	for t := range e.st.tokens {
		size += int64(len(t)) + 64
	}
	c.lru.bytes += size - e.size
	e.size = size
	if size > c.lru.maxBytes {
		c.log.Warn("cache: static secret larger than the cache's MaxBytes; not cached", "path", e.path, "bytes", size)
		c.evictLocked(e, reasonLRU, false)
		return
	}
	c.trimLocked()
}

// dropStaticTokenLocked removes token from the allowed tokens of every static secret (a revocation
// or a cache-clear of the token) and evicts the secrets no token may read any more. A read by the
// token already on its way to Vault does not bring it back. It returns the number evicted.
func (c *Cache) dropStaticTokenLocked(token, reason string) int {
	if c.static == nil || token == "" {
		return 0
	}
	c.static.marks.revokeToken(token)
	tc := c.static.caps[token]
	if tc == nil {
		return 0
	}
	delete(c.static.caps, token)
	n := 0
	for key := range tc.paths {
		n += c.removeStaticTokenLocked(key, token, reason)
	}
	return n
}

// removeStaticTokenLocked removes token from the allowed tokens of the entry at key, evicting it
// when none is left; it returns the number of entries evicted.
func (c *Cache) removeStaticTokenLocked(key staticKey, token, reason string) int {
	e := c.static.byKey[key]
	if e == nil {
		return 0
	}
	if _, ok := e.st.tokens[token]; !ok {
		return 0
	}
	delete(e.st.tokens, token)
	if len(e.st.tokens) == 0 {
		return c.evictLocked(e, reason, false)
	}
	c.resizeStaticLocked(e)
	return 0
}

// resetStaticLocked drops every static entry and token (Close).
func (c *Cache) resetStaticLocked() {
	if c.static == nil {
		return
	}
	c.m.staticEntries.Sub(float64(len(c.static.byKey)))
	c.static.byKey = map[staticKey]*entry{}
	c.static.byFull = map[string]map[*entry]struct{}{}
	c.static.byRel = map[string]map[*entry]struct{}{}
	c.static.caps = map[string]*tokenCaps{}
}
