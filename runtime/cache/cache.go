package cache

import (
	"bytes"
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vaultproxy/vaultproxy/request"
)

// Size limits used when Options.MaxEntries or Options.MaxBytes is 0. The byte limit is the one
// that bounds memory: DefaultMaxEntries is the most entries DefaultMaxBytes can hold (each counts
// at least entryOverhead), so with both defaults the entry count never evicts first, as Vault
// Proxy's cache has no count limit. The count still bounds the stale entries (stale.go).
const (
	DefaultMaxBytes   = 64 << 20
	DefaultMaxEntries = DefaultMaxBytes / entryOverhead // 52,428
)

// entryOverhead is what a token or lease entry holds beyond its body and headers as headerSize
// counts them (the entry and its renewal state, the indexes, the LRU element, the header map),
// for MaxBytes accounting: BenchmarkCache100kLeases measures 1.1 to 1.2 KiB with 10,000 to
// 100,000 entries (more with fewer, where the cache's fixed costs weigh), rounded up here.
const entryOverhead = 1280

// Body limits. A request body larger than maxRequestBody, or a response body larger than
// maxResponseBody, is forwarded as a stream and never cached: no token or lease response comes
// near these sizes.
const (
	maxRequestBody  = 1 << 20
	maxResponseBody = 1 << 20
)

// Options configure a Cache.
type Options struct {
	// Next forwards a request to Vault. The request already carries the token and namespace
	// headers Vault is to receive. Required.
	Next http.RoundTripper
	// Vault is the client renewals are sent with (renew.go). The cache clones it once, in New, and
	// gives each renewal the token and namespace of its entry, so its own token and namespace do
	// not matter. Required.
	Vault *api.Client
	// AutoAuthToken returns the current auto-auth token, or "" if there is none. That token is
	// managed: leases and child tokens created with it are cached. May be nil (no auto-auth).
	AutoAuthToken func() string
	// DisableDynamicSecrets is cache.disable_caching_dynamic_secrets: no token or lease is cached.
	// Without StaticSecrets every request is then forwarded untouched.
	DisableDynamicSecrets bool
	// StaticSecrets, when not nil, turns on static secret caching (cache_static_secrets = true):
	// KV reads shared across the tokens Vault let read them (static.go).
	StaticSecrets *StaticOptions
	// MaxEntries bounds the number of cached responses (DefaultMaxEntries when 0). Beyond it the
	// least recently used entry is evicted and a warning logged.
	MaxEntries int
	// MaxBytes bounds the memory held by cached responses (body, headers and a fixed overhead per
	// entry; DefaultMaxBytes when 0), with the same LRU eviction. A single answer larger than
	// MaxBytes is not cached.
	MaxBytes int64
	// Logger receives eviction warnings and renewal errors. Nil discards.
	Logger *slog.Logger
	// Registerer receives the cache metrics (see metrics.go). Nil registers nothing. Collectors
	// already registered by an earlier Cache on the same Registerer are reused.
	Registerer prometheus.Registerer
	// MetricsPrefix prefixes the metric names, as compile.Plan.MetricNamePrefix gives it (the schema's
	// default when empty).
	MetricsPrefix string
	// Now is the clock for Age and expiry checks (time.Now when nil). Renewal timing uses the
	// real clock (renew.go).
	Now func() time.Time
	// ServeStaleFor, when above 0, is cache.serve_stale_for (a vaultproxy extension; stale.go): while
	// Vault is unreachable a token or lease answer may be served, marked X-Cache: STALE, up to this
	// long past its lease's end. 0 turns it off.
	ServeStaleFor time.Duration
	// Persist, when set, is cache.persist: New restores the entries of an existing cache file (their
	// renewals start with Start) and every later change is written to the file (persist.go,
	// restore.go). Nil keeps the cache in memory only.
	Persist *PersistOptions
}

// Cache is Vault Proxy's lease cache as an http.RoundTripper decorator. It is safe for concurrent
// use. See the package documentation for what it caches.
type Cache struct {
	next     http.RoundTripper
	vault    *api.Client
	autoAuth func() string
	disabled bool
	log      *slog.Logger
	now      func() time.Time
	m        *metrics

	renewer    *api.Client // the renewals' client (newRenewClient)
	baseCtx    context.Context
	baseCancel context.CancelFunc
	wg         sync.WaitGroup

	static *staticCache // nil without Options.StaticSecrets

	mu       sync.RWMutex // read-locked by Lookup only
	closed   bool
	idx      indexes              // how entries are found (index.go)
	lru      lru                  // the size bound: every entry by recent use (lru.go)
	inflight map[cacheKey]*flight // the leader's round trip for a key (flight.go)
	persist  persistence          // the cache file (persist_state.go); zero without Options.Persist
	stale    staleStore           // evicted entries that may answer while Vault is down (stale.go)
	reach    reachState           // whether Vault was last found unreachable (static_stale.go)
	sched    scheduler            // the renewals (renew_sched.go)
}

type entryKind uint8

const (
	kindToken entryKind = iota + 1
	kindLease
	kindStatic // a KV secret shared across tokens (static.go)
)

// entry is one cached response. Fields other than expires, parent, elem and evicted never change
// after the entry is stored.
type entry struct {
	key    cacheKey
	kind   entryKind
	seq    uint64 // its record key in the cache file (0 when not persisted)
	status int
	header http.Header // Vault's headers with X-Cache: HIT
	body   []byte
	stored time.Time

	path      string // request URL path, "/v1/..." (cache-clear request_path)
	namespace string // canonical X-Vault-Namespace of the request (cache-clear namespace)
	renewNS   string // the namespace renewals are sent to
	leasePath string // the path Vault's lease ID starts with, for tokens ("auth/token/create")
	duration  int    // lease_duration at creation, seconds
	ttl       span   // where body holds that lease_duration, rewritten on a hit (remaining.go)
	size      int64  // for MaxBytes

	token, accessor string // kindToken
	lease           string // kindLease
	owner           string // kindLease: the token that created the lease

	// Guarded by Cache.mu.
	parent  string // kindToken: the parent token, "" for orphans
	expires time.Time
	elem    *list.Element
	evicted bool
	r       renewState  // its renewal schedule (renew.go); unused by kindStatic
	st      *staticData // kindStatic: the secret, its versions and allowed tokens
	refused bool        // Vault refused its renewal (or its parent's): revoked, never served stale
	// unverified is set on a restored entry: it is closed by its first successful renewal, and
	// until then the entry is not served (verify.go). Nil for an entry Vault just gave.
	unverified chan struct{}
	// attemptFailed, set with unverified, is closed (and replaced) when a first renewal fails
	// without an answer that settles the entry (Vault unreachable, sealed), and closed when the
	// entry is evicted: a request waiting for the entry stops waiting then rather than at
	// verifyWait (verify.go).
	attemptFailed chan struct{}
	// hit is the answer's headers as the hit fast path serves them, built at its first hit (hit.go).
	hit atomic.Pointer[hitHeader]
}

// New returns a Cache. Close it to stop its renewals.
func New(opts Options) (*Cache, error) {
	if opts.Next == nil {
		return nil, errors.New("cache: Options.Next is required")
	}
	if opts.Vault == nil {
		return nil, errors.New("cache: Options.Vault is required (renewals)")
	}
	if opts.MaxEntries < 0 || opts.MaxBytes < 0 {
		return nil, errors.New("cache: Options.MaxEntries and MaxBytes must not be negative")
	}
	c := &Cache{
		next:     opts.Next,
		vault:    opts.Vault,
		autoAuth: opts.AutoAuthToken,
		disabled: opts.DisableDynamicSecrets,
		log:      opts.Logger,
		now:      opts.Now,
		idx:      newIndexes(),
		lru:      newLRU(opts.MaxEntries, opts.MaxBytes),
		inflight: map[cacheKey]*flight{},
	}
	if opts.ServeStaleFor < 0 {
		return nil, errors.New("cache: Options.ServeStaleFor must not be negative")
	}
	c.stale = staleStore{keep: opts.ServeStaleFor, max: c.lru.maxEntries, byKey: map[cacheKey]*staleEntry{}}
	if c.autoAuth == nil {
		c.autoAuth = func() string { return "" }
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	m, err := newMetrics(opts.Registerer, opts.MetricsPrefix, opts.StaticSecrets != nil)
	if err != nil {
		return nil, err
	}
	c.m = m
	if c.renewer, err = newRenewClient(opts.Vault); err != nil {
		return nil, fmt.Errorf("cache: the renewal client: %w", err)
	}
	c.baseCtx, c.baseCancel = context.WithCancel(context.Background())
	if opts.Persist != nil {
		if err := c.openPersist(*opts.Persist); err != nil {
			c.Close() // takes what was restored off the shared entries gauge
			return nil, err
		}
	}
	if opts.StaticSecrets != nil {
		if err := c.startStatic(*opts.StaticSecrets, opts.AutoAuthToken != nil); err != nil {
			c.Close() // closes the cache file, if any
			return nil, err
		}
	}
	return c, nil
}

// RoundTrip answers req from the cache or forwards it to Options.Next. See the package
// documentation.
func (c *Cache) RoundTrip(req *http.Request) (*http.Response, error) {
	if c.isClosed() || c.disabled && c.static == nil {
		return c.next.RoundTrip(req)
	}
	op := classify(req.URL.Path)
	resp, err := c.dispatch(req, op)
	if err == nil && c.static != nil && op.kind == opOther {
		c.afterStaticWrite(req, resp)
	}
	return resp, err
}

func (c *Cache) dispatch(req *http.Request, op pathOp) (*http.Response, error) {
	switch op.kind {
	case opRevokeToken, opRevokeSelf, opRevokeAccessor, opRevokeOrphan, opRevokeLease, opRevokePrefix:
		return c.revoke(req, op)
	case opOther:
		if request.LeaseCacheable(req.Method, req.Header) {
			if sr := c.staticRequest(req, op); !c.disabled || sr != nil {
				return c.cached(req, op, sr)
			}
		}
	}
	return c.next.RoundTrip(req)
}

func (c *Cache) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// cached is the path of a request whose answer may be cached: as a token or lease (unless dynamic
// caching is off), or, when sr is not nil, as a static secret.
func (c *Cache) cached(req *http.Request, op pathOp, sr *staticReq) (*http.Response, error) {
	body, whole, err := readBody(req)
	if err != nil {
		return nil, err
	}
	if !whole {
		return c.next.RoundTrip(withBody(req, body))
	}
	key := computeKey(req, body.buf)
	if resp := c.lookup(key, req, sr, true); resp != nil {
		return resp, nil
	}

	// Coalesce: the first request for a key forwards; the others wait for it and then look again.
	c.mu.Lock()
	f, follower := c.inflight[key]
	if !follower {
		f = &flight{done: make(chan struct{})}
		c.inflight[key] = f
	}
	c.mu.Unlock()
	if follower {
		select {
		case <-f.done:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
		// No second wait for an unverified entry: this request waited for it in its first lookup,
		// and the leader's answer, when Vault gave one, has replaced it (maybeStore).
		if resp := c.lookup(key, req, sr, false); resp != nil {
			return resp, nil
		}
		if resp, err := c.shared(f, req, key, sr); resp != nil || err != nil {
			return resp, err
		}
		// The leader's answer was not cached (an error, a non-renewable token...): such answers
		// are never shared, so this request goes to Vault on its own.
		return c.forward(req, body, key, op, sr, nil)
	}
	defer func() {
		c.mu.Lock()
		delete(c.inflight, key)
		c.mu.Unlock()
		close(f.done)
	}()
	return c.forward(req, body, key, op, sr, f)
}

// lookup answers from a token or lease entry, then from a static entry, as Vault Proxy looks them
// up; nil when neither answers. wait is hit's.
func (c *Cache) lookup(key cacheKey, req *http.Request, sr *staticReq, wait bool) *http.Response {
	if !c.disabled {
		if resp := c.hit(key, req, wait); resp != nil {
			return resp
		}
	}
	if sr != nil {
		return c.staticHit(sr, req)
	}
	return nil
}

// hit returns a response built from the entry for key, or nil. An unverified restored entry is
// waited for (verify.go) only with wait; either way its renewer is asked to try again now.
func (c *Cache) hit(key cacheKey, req *http.Request, wait bool) *http.Response {
	c.mu.Lock()
	// now is read under the lock: a renewal stores its new expiry under it, counted from when the
	// renewal was sent, so a time read before the lock could be older than that and give more time
	// left than the lease was granted.
	now := c.now()
	e := c.idx.byKey[key]
	if e == nil {
		c.mu.Unlock()
		return nil
	}
	if secondsLeft(now, e.expires) < 1 {
		// Less than a second left: served, it would claim time the lease no longer has (its
		// lease_duration would read 0, which for a token means "never expires").
		c.evictLocked(e, reasonExpired, true)
		c.mu.Unlock()
		return nil
	}
	if e.unverified != nil && !c.awaitVerifiedLocked(e, req, wait) {
		// Vault's answer to another request may have replaced e while this one waited: serve that
		// rather than ask Vault for yet another token or lease.
		n := c.idx.byKey[key]
		now = c.now() // the wait let go of the lock
		if n == nil || n == e || n.unverified != nil || secondsLeft(now, n.expires) < 1 {
			c.mu.Unlock()
			return nil
		}
		e = n
	}
	c.lru.list.MoveToFront(e.elem)
	left := secondsLeft(now, e.expires)
	c.mu.Unlock()

	c.m.hits.Inc()
	body := e.body
	if e.ttl.ok() {
		body = withDuration(e.body, e.ttl, left)
	}
	return hitResponse(req, e.status, e.header, body, now.Sub(e.stored))
}

// hitResponse is a stored answer as served: header (which has X-Cache: HIT) with Age added.
func hitResponse(req *http.Request, status int, header http.Header, body []byte, age time.Duration) *http.Response {
	h := header.Clone()
	h[headerAge] = []string{strconv.FormatInt(int64(max(age, 0)/time.Second), 10)}
	if _, ok := h["Content-Length"]; ok { // Vault's, while body may have been rewritten (remaining.go)
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	return &http.Response{
		Status:        strconv.Itoa(status) + " " + http.StatusText(status),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          newMemBody(body),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// forward sends a cacheable-looking request to Vault, marks the answer X-Cache: MISS and stores
// it when it is a KV secret (with sr) or a renewable token or lease the cache may manage. A leader
// (f not nil) notes there when Vault could not be reached, for its followers.
func (c *Cache) forward(req *http.Request, body *reqBody, key cacheKey, op pathOp, sr *staticReq, f *flight) (*http.Response, error) {
	if sr != nil {
		// A write or revocation through the proxy while this read is out must not be undone by it.
		c.beginStaticRead(sr)
		defer c.endStaticRead(sr)
	}
	// A lease's time runs from before Vault's answer left: expiry counted from here is never later
	// than Vault's.
	sent := c.now()
	resp, err := c.next.RoundTrip(withBody(req, body))
	c.noteRoundTrip(req.Context(), resp, err)
	if unreachable(resp, err) && req.Context().Err() == nil {
		if sr == nil {
			if st := c.staleResponse(req, key); st != nil {
				f.noteDown(nil, nil)
				discard(resp)
				return st, nil
			}
		}
		resp = f.noteDown(resp, err)
	}
	if err != nil {
		return nil, err
	}
	c.m.misses.Inc()
	if sr != nil {
		c.m.staticMisses.Inc()
	}
	resp.Header.Set(headerCache, "MISS")
	if resp.StatusCode/100 != 2 || !isJSON(resp.Header) || resp.Header.Get("Content-Encoding") != "" ||
		resp.ContentLength > maxResponseBody {
		return resp, nil
	}
	buf, whole, rerr := readAtMost(resp.Body, maxResponseBody)
	switch {
	case rerr != nil:
		// Hand the client what arrived, then the error.
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(buf), errReader{rerr}), resp.Body}
		return resp, nil
	case !whole:
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(buf), resp.Body), resp.Body}
		return resp, nil
	}
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(buf))
	resp.ContentLength = int64(len(buf))
	if sr != nil && c.storeStatic(sr, resp, buf) {
		return resp, nil
	}
	if !c.disabled {
		c.maybeStore(req, op, key, resp, buf, sent)
	}
	return resp, nil
}

// secretJSON is the part of Vault's answer the cache reads.
type secretJSON struct {
	LeaseID       string `json:"lease_id"`
	Renewable     bool   `json:"renewable"`
	LeaseDuration int    `json:"lease_duration"`
	Auth          *struct {
		ClientToken   string `json:"client_token"`
		Accessor      string `json:"accessor"`
		Renewable     bool   `json:"renewable"`
		LeaseDuration int    `json:"lease_duration"`
		Orphan        bool   `json:"orphan"`
	} `json:"auth"`
}

// maybeStore caches resp when it creates a renewable token that is an orphan or whose parent is
// managed, or carries a renewable lease created with a managed token. sent is when the request
// left for Vault: the lease's expiry is counted from it.
func (c *Cache) maybeStore(req *http.Request, op pathOp, key cacheKey, resp *http.Response, buf []byte, sent time.Time) {
	var s secretJSON
	if len(buf) == 0 || json.Unmarshal(buf, &s) != nil {
		return
	}
	reqToken := requestToken(req.Header)
	hdrNS := canonicalNamespace(req.Header.Get(headerNamespace))
	e := &entry{
		key:       key,
		status:    resp.StatusCode,
		header:    resp.Header.Clone(),
		body:      buf,
		stored:    c.now(),
		path:      req.URL.Path,
		namespace: hdrNS,
	}
	e.header[headerCache] = []string{"HIT"} // what a hit answers with
	delete(e.header, headerAge)
	orphan := false
	switch {
	case s.Auth != nil && s.Auth.ClientToken != "":
		if !s.Auth.Renewable || s.Auth.LeaseDuration <= 0 {
			return
		}
		e.kind = kindToken
		e.token, e.accessor = s.Auth.ClientToken, s.Auth.Accessor
		e.duration = s.Auth.LeaseDuration
		e.renewNS = joinNamespace(hdrNS, op.namespace)
		e.leasePath = op.apiPath
		orphan = s.Auth.Orphan
		if !orphan {
			e.parent = reqToken
		}
	case s.LeaseID != "":
		if !s.Renewable || s.LeaseDuration <= 0 {
			return
		}
		e.kind = kindLease
		e.lease, e.owner = s.LeaseID, reqToken
		e.duration = s.LeaseDuration
		e.renewNS = hdrNS
	default:
		return
	}
	e.expires = sent.Add(time.Duration(e.duration) * time.Second)
	e.ttl = durationSpan(buf, e.kind)
	e.size = int64(len(buf)) + headerSize(e.header) + entryOverhead
	if e.size > c.lru.maxBytes {
		c.log.Warn("cache: answer larger than the cache's MaxBytes; not cached", "path", req.URL.Path, "bytes", e.size)
		return
	}
	if cap(buf) > len(buf) {
		// The body was read into a buffer that grew by doubling: kept as it is, up to half of it
		// would be held for nothing as long as the entry lives.
		e.body = bytes.Clone(buf)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	old := c.idx.byKey[key]
	if old != nil && old.unverified == nil {
		return
	}
	// The managed check happens under the lock, so a revocation of the parent that raced with
	// this request is seen (the parent's entry is gone and the child is not cached).
	if !orphan && !c.managedLocked(reqToken) {
		return
	}
	if e.kind == kindToken && c.idx.byToken[e.token] != nil || e.kind == kindLease && c.idx.byLease[e.lease] != nil {
		return
	}
	if old != nil {
		// A restored entry Vault has not confirmed yet (verify.go) while Vault has just answered
		// its request: the fresh answer is the one to serve, else every request for it waits and
		// creates a new token or lease at Vault until the renewer gets through. The old token or
		// lease is not revoked: it was probably still valid (Vault Proxy would have served it) and
		// a client may hold it from before the restart. Nobody renews it any more, so Vault
		// revokes it, and its children, at the end of its TTL: its child entries go with it now
		// (cascade), rather than be served after Vault revoked them.
		c.evictLocked(old, reasonReplaced, true)
	}
	c.insertLocked(e)
	c.trimLocked()
}

// managedLocked reports whether token is the auto-auth token or a token the cache created.
func (c *Cache) managedLocked(token string) bool {
	if token == "" {
		return false
	}
	return c.idx.byToken[token] != nil || token == c.autoAuth()
}

// insertLocked indexes e, writes it to the cache file and schedules its renewal.
func (c *Cache) insertLocked(e *entry) {
	c.indexLocked(e)
	c.persistLocked(e)
	c.startRenewalLocked(e)
}

// indexLocked makes e found by its key, token, accessor, lease, parent and owner, and counts it in
// the LRU.
func (c *Cache) indexLocked(e *entry) {
	c.idx.byKey[e.key] = e
	switch e.kind {
	case kindToken:
		c.idx.byToken[e.token] = e
		if e.accessor != "" {
			c.idx.byAcc[e.accessor] = e
		}
		if e.parent != "" {
			addTo(c.idx.children, e.parent, e)
		}
	case kindLease:
		c.idx.byLease[e.lease] = e
		addTo(c.idx.leases, e.owner, e)
	}
	e.elem = c.lru.list.PushFront(e)
	c.lru.bytes += e.size
	c.m.entries.Inc()
}

// Eviction reasons (the "reason" label of the evictions metric).
const (
	reasonRevoked       = "revoked"        // a revocation seen through the proxy
	reasonCleared       = "cleared"        // POST /proxy/v1/cache-clear
	reasonRenewalEnded  = "renewal_ended"  // the lease or token reached its max TTL
	reasonRenewalFailed = "renewal_failed" // Vault refused a renewal (revoked elsewhere) or gave up
	reasonExpired       = "expired"        // found expired when looked up
	reasonLRU           = "lru"            // beyond MaxEntries
	reasonReplaced      = "replaced"       // an unverified restored entry, by Vault's fresh answer
)

// evictLocked removes e. With cascade, a token's child tokens and leases go too (Vault revokes
// them with it); without, they stay (LRU eviction of a token that is still valid).
func (c *Cache) evictLocked(e *entry, reason string, cascade bool) int {
	if e.evicted {
		return 0
	}
	e.evicted = true
	delete(c.idx.byKey, e.key)
	c.lru.list.Remove(e.elem)
	c.lru.bytes -= e.size
	c.unscheduleLocked(e)
	if e.attemptFailed != nil { // wakes the requests waiting for its first renewal (verify.go)
		close(e.attemptFailed)
		e.attemptFailed = nil
	}
	c.m.entries.Dec()
	c.m.evictions.WithLabelValues(reason).Inc()
	n := 1
	switch e.kind {
	case kindToken:
		delete(c.idx.byToken, e.token)
		if e.accessor != "" {
			delete(c.idx.byAcc, e.accessor)
		}
		if e.parent != "" {
			removeFrom(c.idx.children, e.parent, e)
		}
		if cascade {
			n += c.evictDescendantsLocked(e.token, reason)
		}
	case kindLease:
		delete(c.idx.byLease, e.lease)
		removeFrom(c.idx.leases, e.owner, e)
	case kindStatic:
		c.unindexStaticLocked(e)
	}
	kept := false
	if c.stale.on() {
		switch {
		case staleReason(reason) && !e.refused:
			kept = c.retireLocked(e)
		case e.kind == kindToken && reason != reasonLRU && reason != reasonReplaced:
			c.dropStaleTokenLocked(e.token) // revoked, cleared or refused: Vault ended it
		}
	}
	if !kept {
		c.unpersistLocked(e)
	}
	// A token whose entry goes for any reason but space is revoked, expired or cleared: it loses
	// its access to static secrets too.
	if e.kind == kindToken && reason != reasonLRU {
		n += c.dropStaticTokenLocked(e.token, reason)
	}
	return n
}

// evictTokenLocked evicts the entry of token (if any) and everything created with it. token need
// not have an entry (the auto-auth token has none).
func (c *Cache) evictTokenLocked(token, reason string) int {
	if token == "" {
		return 0
	}
	c.dropStaleTokenLocked(token)
	if e := c.idx.byToken[token]; e != nil {
		return c.evictLocked(e, reason, true)
	}
	return c.evictDescendantsLocked(token, reason) + c.dropStaticTokenLocked(token, reason)
}

func (c *Cache) evictDescendantsLocked(token, reason string) int {
	n := 0
	for child := range c.idx.children[token] {
		n += c.evictLocked(child, reason, true)
	}
	delete(c.idx.children, token)
	for l := range c.idx.leases[token] {
		n += c.evictLocked(l, reason, false)
	}
	delete(c.idx.leases, token)
	return n
}

// orphanTokenLocked is auth/token/revoke-orphan: the token and its leases go, its children stay
// cached as orphans.
func (c *Cache) orphanTokenLocked(token, reason string) int {
	// Its own stale entry and its leases' go; its children's stay, as the children do.
	for k, s := range c.stale.byKey {
		if s.e.kind == kindToken && s.e.token == token || s.e.kind == kindLease && s.e.owner == token {
			c.forgetStaleLocked(k, s)
		}
	}
	for child := range c.idx.children[token] {
		child.parent = ""
		c.persistLocked(child)
	}
	delete(c.idx.children, token)
	n := 0
	if e := c.idx.byToken[token]; e != nil {
		n += c.evictLocked(e, reason, true) // no children left to cascade to; its leases go
	} else {
		for l := range c.idx.leases[token] {
			n += c.evictLocked(l, reason, false)
		}
		delete(c.idx.leases, token)
	}
	return n
}

// evictRefusedLocked handles a renewal Vault refused: the token or lease is revoked (or expired).
// A token's leases went with it. Its child tokens may not have: revoke-orphan keeps them. So they
// are not evicted but asked to renew at once, which evicts each that Vault revoked.
func (c *Cache) evictRefusedLocked(e *entry) {
	e.refused = true
	c.evictLocked(e, reasonRenewalFailed, false)
	if e.kind != kindToken {
		return
	}
	for l := range c.idx.leases[e.token] {
		l.refused = true
		c.evictLocked(l, reasonRenewalFailed, false)
	}
	delete(c.idx.leases, e.token)
	for child := range c.idx.children[e.token] {
		c.pokeLocked(child)
	}
}

// evict is evictLocked for callers without the lock.
func (c *Cache) evict(e *entry, reason string, cascade bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.evictLocked(e, reason, cascade)
}

// Len returns the number of cached entries.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.list.Len()
}

// Close stops the renewals, drops every entry and makes the Cache a pass-through. It cancels the
// renewals in flight and waits for the goroutines that sent them. With
// Options.Persist it then writes what is queued and closes the cache file, which keeps the entries
// for the next start; the error is that of closing the file.
func (c *Cache) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.baseCancel()
	n := c.lru.list.Len()
	c.idx = newIndexes()
	for el := c.lru.list.Front(); el != nil; el = el.Next() {
		e := el.Value.(*entry)
		e.evicted = true
		if e.attemptFailed != nil {
			close(e.attemptFailed)
			e.attemptFailed = nil
		}
	}
	for _, e := range c.sched.due {
		e.r.pos = 0
	}
	c.sched.due = nil
	c.lru.list.Init()
	c.lru.bytes = 0
	c.persist.restored = nil
	c.dropAllStaleLocked()
	c.m.entries.Sub(float64(n))
	c.resetStaticLocked()
	c.mu.Unlock()
	c.wg.Wait()
	// The entries stay in the cache file: shutdown is not an eviction.
	return c.closeStore()
}

func isJSON(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// headerSize approximates the memory held by h.
func headerSize(h http.Header) int64 {
	var n int64
	for k, vs := range h {
		n += int64(len(k)) + 16
		for _, v := range vs {
			n += int64(len(v)) + 16
		}
	}
	return n
}
