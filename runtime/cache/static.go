package cache

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultCapabilityRefreshInterval is how often a token's read access to the static secrets it
// reads is re-checked when StaticOptions.CapabilityRefreshInterval is 0 (Vault Proxy's default for
// static_secret_token_capability_refresh_interval).
const DefaultCapabilityRefreshInterval = 5 * time.Minute

// DefaultEventStreamRetry is the first wait after the event stream failed or dropped when
// StaticOptions.EventStreamRetry is 0.
const DefaultEventStreamRetry = time.Second

// StaticOptions configure static secret caching (cache_static_secrets = true), Vault Proxy's
// Enterprise feature (reference vault-proxy.md sections 4.1 step 4 and 9, 4.3 and 4.4).
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
	// with "invalid token", so auto-auth can check it and log in again. May be nil.
	InvalidToken func(token string)
	// EventStreamRetry is the first wait before reconnecting after the event stream failed or
	// dropped; it doubles after each failure in a row, up to 60 times itself
	// (DefaultEventStreamRetry when 0: 1s, then at most 1m).
	EventStreamRetry time.Duration
}

// Eviction reasons of static entries (the "reason" label of the evictions metric).
const (
	reasonRefreshFailed = "refresh_failed" // no allowed token could re-read it, or it is gone (404)
	reasonAccessLost    = "access_lost"    // its last allowed token lost read access or was revoked
	reasonWritten       = "written"        // a write to it went through the proxy
)

// Results of a static refresh (the "result" label of the static refreshes metric).
const (
	refreshUpdated = "updated"
	refreshEvicted = "evicted"
)

// staticCache is the static secret part of a Cache. Maps are guarded by Cache.mu.
type staticCache struct {
	opts     StaticOptions
	interval time.Duration
	retry    time.Duration
	base     *url.URL     // Vault's address
	client   *http.Client // to Vault, without redirects
	byKey    map[string]*entry
	caps     map[string]*tokenCaps // allowed token -> the static secrets it reads
	due      chan *tokenCaps       // tokens whose capability check is due

	// noForward is set once Vault said forwarding via X-Vault-Forward is disabled.
	noForward atomic.Bool
}

// staticData is what a static entry holds, guarded by Cache.mu.
type staticData struct {
	// key is the canonical namespace followed by the path without /v1/: "ns1/secret/data/foo".
	// A read of /v1/ns1/secret/data/foo in the root namespace has the same key as a read of
	// /v1/secret/data/foo with X-Vault-Namespace: ns1, as in Vault Proxy.
	key string
	// current answers a read without ?version; nil until such a read was answered.
	current *staticResp
	// versions answer ?version=N (KV v2): the current answer is stored under its own version too.
	versions map[int]*staticResp
	// tokens are the tokens Vault let read key, each with the canonical namespace it read in
	// (the capability check and the refresh ask Vault in that namespace).
	tokens map[string]string
}

// staticResp is one stored answer of Vault.
type staticResp struct {
	status  int
	header  http.Header // Vault's headers with X-Cache: HIT
	body    []byte
	stored  time.Time
	version int // data.metadata.version of a KV v2 answer, else 0
}

func (r *staticResp) size() int64 { return int64(len(r.body)) + headerSize(r.header) }

// tokenCaps are the static secrets one token was let read, each with the namespace it read in.
type tokenCaps struct {
	token string
	paths map[string]string // key -> namespace
}

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
		base:     base,
		client: &http.Client{
			Transport:     transport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		byKey: map[string]*entry{},
		caps:  map[string]*tokenCaps{},
		due:   make(chan *tokenCaps),
	}
	if s.interval == 0 {
		s.interval = DefaultCapabilityRefreshInterval
	}
	if s.retry == 0 {
		s.retry = DefaultEventStreamRetry
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
	key, ns, rel string // see staticData.key; ns is canonical, rel the path after /v1/
	token        string
	version      int // ?version=N, 0 for the current version
}

// staticRequest returns the static side of req, or nil when the static cache may neither answer
// it nor store its answer: static caching off, not a GET, no token, a path outside /v1/, or a
// query other than a single version=N (N >= 1). Vault Proxy ignores other query parameters and
// answers ?list=true or ?foo=bar with the stored secret; here they always reach Vault.
func (c *Cache) staticRequest(req *http.Request, op pathOp) *staticReq {
	if c.static == nil || req.Method != http.MethodGet || op.kind != opOther {
		return nil
	}
	token := requestToken(req.Header)
	rest, ok := strings.CutPrefix(req.URL.Path, "/v1/")
	rest = strings.TrimLeft(rest, "/")
	if token == "" || !ok || rest == "" {
		return nil
	}
	ns := canonicalNamespace(req.Header.Get(headerNamespace))
	sr := &staticReq{key: ns + rest, ns: ns, rel: rest, token: token}
	if req.URL.RawQuery != "" {
		q, err := url.ParseQuery(req.URL.RawQuery)
		v := q["version"]
		if err != nil || len(q) != 1 || len(v) != 1 {
			return nil
		}
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 {
			return nil
		}
		sr.version = n
	}
	return sr
}

// staticHit answers sr from its static entry when the token is one Vault let read it and the
// version asked for is stored; else nil.
func (c *Cache) staticHit(sr *staticReq, req *http.Request) *http.Response {
	now := c.now()
	c.mu.Lock()
	e := c.static.byKey[sr.key]
	var r *staticResp
	if e != nil {
		if _, allowed := e.st.tokens[sr.token]; allowed {
			r = e.st.current
			if sr.version > 0 {
				r = e.st.versions[sr.version]
			}
		}
	}
	if r == nil {
		c.mu.Unlock()
		return nil
	}
	c.lru.MoveToFront(e.elem)
	c.mu.Unlock()
	c.m.hits.Inc()
	c.m.staticHits.Inc()
	return hitResponse(req, r.status, r.header, r.body, now.Sub(r.stored))
}

// kvAnswer is the part of a KV read the static cache reads.
type kvAnswer struct {
	MountType string          `json:"mount_type"`
	Data      json.RawMessage `json:"data"`
}

// parseKV returns the KV v2 version of a KV answer (0 for KV v1), and false when buf is not the
// answer of a KV mount (mount_type "kv", as Vault Proxy checks).
func parseKV(rel string, buf []byte) (version int, ok bool) {
	var a kvAnswer
	if json.Unmarshal(buf, &a) != nil || a.MountType != "kv" {
		return 0, false
	}
	// A KV v2 read is of <mount>/data/<path> and has data.data and data.metadata.version; a KV v1
	// secret may hold fields of any name, so both the path and the shape are checked.
	if !strings.Contains("/"+rel, "/data/") {
		return 0, true
	}
	var v2 struct {
		Data     json.RawMessage `json:"data"`
		Metadata struct {
			Version json.Number `json:"version"`
		} `json:"metadata"`
	}
	d := json.NewDecoder(bytes.NewReader(a.Data))
	d.UseNumber()
	if d.Decode(&v2) != nil || v2.Data == nil {
		return 0, true
	}
	n, err := strconv.Atoi(v2.Metadata.Version.String())
	if err != nil || n < 1 {
		return 0, true
	}
	return n, true
}

// storeStatic keeps a 2xx JSON answer to sr when it is a KV read, and adds sr's token to the
// secret's allowed tokens: Vault has just let it read the path. It reports whether the answer was
// a KV read (which is then never considered for the lease cache).
func (c *Cache) storeStatic(sr *staticReq, resp *http.Response, buf []byte) bool {
	version, ok := parseKV(sr.rel, buf)
	if !ok {
		return false
	}
	r := &staticResp{status: resp.StatusCode, header: resp.Header.Clone(), body: buf, stored: c.now(), version: version}
	r.header[headerCache] = []string{"HIT"}
	delete(r.header, headerAge)

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return true
	}
	e := c.static.byKey[sr.key]
	if e == nil {
		e = &entry{
			kind:      kindStatic,
			namespace: sr.ns,
			path:      "/v1/" + sr.rel,
			cancel:    func() {},
			st:        &staticData{key: sr.key, versions: map[int]*staticResp{}, tokens: map[string]string{}},
		}
		c.static.byKey[sr.key] = e
		e.elem = c.lru.PushFront(e)
		c.m.entries.Inc()
		c.m.staticEntries.Inc()
	} else {
		c.lru.MoveToFront(e.elem)
	}
	switch {
	case sr.version == 0:
		// Vault Proxy keeps the first answer and only adds the token; Vault's newest answer is at
		// least as fresh, so it replaces the stored one.
		e.st.current = r
		if version > 0 {
			e.st.versions[version] = r
		}
	case version == sr.version:
		e.st.versions[version] = r
	}
	e.st.tokens[sr.token] = sr.ns
	c.addCapabilityLocked(sr.token, sr.key, sr.ns)
	c.resizeStaticLocked(e)
	return true
}

// resizeStaticLocked recomputes e's size after a change, and applies the cache's limits.
func (c *Cache) resizeStaticLocked(e *entry) {
	size := int64(entryOverhead)
	if e.st.current != nil {
		size += e.st.current.size()
	}
	for _, r := range e.st.versions {
		if r != e.st.current {
			size += r.size()
		}
	}
	for t := range e.st.tokens {
		size += int64(len(t)) + 64
	}
	c.bytes += size - e.size
	e.size = size
	if size > c.maxBytes {
		c.log.Warn("cache: static secret larger than the cache's MaxBytes; not cached", "path", e.path, "bytes", size)
		c.evictLocked(e, reasonLRU, false)
		return
	}
	c.trimLocked()
}

// unindexStaticLocked is evictLocked's part for a static entry.
func (c *Cache) unindexStaticLocked(e *entry) {
	if c.static.byKey[e.st.key] == e {
		delete(c.static.byKey, e.st.key)
	}
	c.m.staticEntries.Dec()
}

// dropStaticTokenLocked removes token from the allowed tokens of every static secret (a revocation
// or a cache-clear of the token) and evicts the secrets no token may read any more. It returns the
// number evicted.
func (c *Cache) dropStaticTokenLocked(token, reason string) int {
	if c.static == nil || token == "" {
		return 0
	}
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

// removeStaticTokenLocked removes token from the allowed tokens of the secret at key, evicting it
// when none is left; it returns the number of entries evicted.
func (c *Cache) removeStaticTokenLocked(key, token, reason string) int {
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
	c.static.byKey = map[string]*entry{}
	c.static.caps = map[string]*tokenCaps{}
}

// staticClearMatch reports whether cache-clear's request_path (prefix, "/v1/..."), in namespace ns
// (canonical), names static entry e. The entry is matched on its key, the namespace followed by
// the path, so a secret read with X-Vault-Namespace: ns1 is also cleared by namespace "" and
// value "/v1/ns1/...", as it is the same secret.
func staticClearMatch(e *entry, ns, prefix string) bool {
	rel, ok := strings.CutPrefix(prefix, "/v1/")
	return ok && strings.HasPrefix(e.st.key, ns+strings.TrimLeft(rel, "/"))
}

// afterStaticWrite evicts the static secrets a successful write through the proxy changed (without
// the event stream, which needs Vault Enterprise, nothing else would). A write is any method but
// GET, HEAD, OPTIONS and LIST. A KV v2 write to <mount>/data/x, delete/x, undelete/x, destroy/x or
// metadata/x changes what both data/x and metadata/x answer; the mount is not known here, so any
// segment of that name counts: at worst a secret is evicted that did not change, and read again.
func (c *Cache) afterStaticWrite(req *http.Request, resp *http.Response) {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, "LIST":
		return
	}
	if resp.StatusCode/100 != 2 {
		return
	}
	rest, ok := strings.CutPrefix(req.URL.Path, "/v1/")
	rest = strings.TrimLeft(rest, "/")
	if !ok || rest == "" {
		return
	}
	ns := canonicalNamespace(req.Header.Get(headerNamespace))
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, key := range relatedKeys(ns + rest) {
		if e := c.static.byKey[key]; e != nil {
			c.log.Debug("cache: static secret written through the proxy; evicted", "path", e.path, "namespace", e.namespace)
			c.evictLocked(e, reasonWritten, false)
		}
	}
}

// kvV2Ops are the KV v2 path segments that address the secret after them.
var kvV2Ops = []string{"data", "metadata", "delete", "undelete", "destroy", "subkeys"}

// relatedKeys is key and, for each segment of key that is a KV v2 operation, key with that segment
// made "data" and "metadata".
func relatedKeys(key string) []string {
	keys := []string{key}
	segs := strings.Split(key, "/")
	for i, s := range segs {
		if i == len(segs)-1 || !isKVv2Op(s) {
			continue
		}
		for _, op := range []string{"data", "metadata"} {
			if op != s {
				alt := slices.Clone(segs)
				alt[i] = op
				keys = append(keys, strings.Join(alt, "/"))
			}
		}
	}
	return keys
}

func isKVv2Op(s string) bool { return slices.Contains(kvV2Ops, s) }
