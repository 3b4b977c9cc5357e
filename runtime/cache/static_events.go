package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// EventsPath is where Vault (Enterprise 1.16 and later) serves the KV event stream the static
// cache subscribes to.
const EventsPath = "/v1/sys/events/subscribe/kv*"

// maxEventMessage bounds one event stream message; KV events are well under 4 KiB.
const maxEventMessage = 1 << 20

// errEventsUnavailable is a 404 on the subscription: Vault has no event stream.
var errEventsUnavailable = errors.New("Vault answered 404 to the KV event subscription: " +
	"static secret events need Vault Enterprise 1.16 or later")

// runEvents keeps the static cache fresh, as Vault Proxy's static secret cache updater: it
// subscribes to Vault's KV events with the auto-auth token, re-reads every static secret on each
// (re)connection and the secrets each event names. Without the stream (Vault OSS, an error) it
// retries with back-off and, unlike Vault Proxy, re-reads every static secret each
// CapabilityRefreshInterval meanwhile. Each kind of failure is logged once at warning level until
// a connection succeeds; repeats go to debug, so a Vault without events does not fill the log.
func (c *Cache) runEvents(autoAuth bool) {
	defer c.wg.Done()
	s, ctx := c.static, c.baseCtx
	if !autoAuth {
		c.log.Warn("cache: static secrets without auto-auth: no event stream; each is re-read every " +
			s.interval.String())
	}
	lastFull := time.Now()
	maybeRefresh := func() {
		if time.Since(lastFull) >= s.interval {
			c.refreshAll(ctx, "interval")
			lastFull = time.Now()
		}
	}
	wait := s.retry
	logged := ""
	for {
		token := c.autoAuth()
		if !autoAuth || token == "" {
			// No token yet (auto-auth is logging in), or never one.
			if !sleepCtx(ctx, min(100*time.Millisecond, s.interval)) {
				return
			}
			maybeRefresh()
			continue
		}
		connected, err := c.streamEvents(ctx, token, func() { lastFull = time.Now() })
		if ctx.Err() != nil {
			return
		}
		if connected {
			wait, logged = s.retry, ""
		}
		class := eventErrorClass(err)
		msg := "cache: static secret event stream failed; static secrets are re-read every " + s.interval.String() +
			" until it is back, retrying"
		if connected {
			msg = "cache: static secret event stream dropped; reconnecting"
		}
		if class != logged {
			c.log.Warn(msg, "error", err, "retry_in", wait)
			logged = class
		} else {
			c.log.Debug(msg, "error", err, "retry_in", wait)
		}
		if strings.Contains(err.Error(), "invalid token") && s.opts.InvalidToken != nil {
			s.opts.InvalidToken(token)
		}
		deadline := time.Now().Add(wait)
		for time.Now().Before(deadline) {
			if !sleepCtx(ctx, min(time.Until(deadline), s.interval)) {
				return
			}
			maybeRefresh()
		}
		wait = min(wait*2, s.retry*60)
	}
}

// eventErrorClass groups stream failures for logging once.
func eventErrorClass(err error) string {
	switch {
	case errors.Is(err, errEventsUnavailable):
		return "unavailable"
	case err == nil:
		return ""
	}
	var se *subscribeError
	if errors.As(err, &se) {
		return "status " + strconv.Itoa(se.status)
	}
	return "connection"
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// streamEvents subscribes, re-reads every static secret (events sent before the subscription are
// otherwise missed), calls connectedFn, then handles events until the stream ends. connected
// reports whether the subscription succeeded.
func (c *Cache) streamEvents(ctx context.Context, token string, connectedFn func()) (connected bool, err error) {
	conn, err := c.dialEvents(ctx, token)
	if err != nil {
		return false, err
	}
	defer conn.CloseNow()
	conn.SetReadLimit(maxEventMessage)
	c.log.Info("cache: static secret event stream connected")
	c.refreshAll(ctx, "connected")
	connectedFn()
	// Set once caught up: from here on, events keep every secret fresh.
	c.m.eventStream.Set(1)
	defer c.m.eventStream.Set(0)
	for {
		_, msg, err := conn.Read(ctx)
		if err != nil {
			return true, fmt.Errorf("reading the event stream: %w", err)
		}
		c.handleEvent(ctx, msg)
	}
}

// subscribeError is a refused subscription.
type subscribeError struct {
	status int
	msg    string
}

func (e *subscribeError) Error() string {
	return fmt.Sprintf("Vault refused the KV event subscription with %d: %s "+
		"(the auto-auth token needs read and subscribe on sys/events/subscribe/kv*, and Vault Enterprise 1.16 or later)",
		e.status, e.msg)
}

// dialEvents opens the WebSocket to EventsPath?json=true&namespaces=* with the auto-auth token,
// following up to 10 redirects (a standby sends the subscription to the active node with 307).
func (c *Cache) dialEvents(ctx context.Context, token string) (*websocket.Conn, error) {
	u := *c.static.base
	u.Path = strings.TrimRight(u.Path, "/") + EventsPath
	u.RawPath = u.Path // keeps the * as is
	u.RawQuery = url.Values{"json": {"true"}, "namespaces": {"*"}}.Encode()
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	default:
		u.Scheme = "ws"
	}
	hdr := http.Header{headerToken: {token}}
	if ns := c.static.opts.EventNamespace; ns != "" {
		hdr.Set(headerNamespace, ns)
	}
	target := u.String()
	for range 10 {
		dctx, cancel := context.WithTimeout(ctx, requestTimeout)
		conn, resp, err := websocket.Dial(dctx, target, &websocket.DialOptions{HTTPClient: c.static.client, HTTPHeader: hdr})
		cancel()
		if err == nil {
			return conn, nil
		}
		if resp == nil {
			return nil, err
		}
		var body []byte
		if resp.Body != nil {
			body, _ = io.ReadAll(resp.Body)
		}
		switch resp.StatusCode {
		case http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound, http.StatusMovedPermanently:
			loc, lerr := url.Parse(resp.Header.Get("Location"))
			if lerr != nil || resp.Header.Get("Location") == "" {
				return nil, fmt.Errorf("event subscription redirected without a usable Location: %q", resp.Header.Get("Location"))
			}
			cur, _ := url.Parse(target)
			target = cur.ResolveReference(loc).String()
			continue
		case http.StatusNotFound:
			return nil, fmt.Errorf("%w (%s)", errEventsUnavailable, target)
		default:
			return nil, &subscribeError{status: resp.StatusCode, msg: vaultErrors(body)}
		}
	}
	return nil, fmt.Errorf("event subscription: too many redirects (last %s)", target)
}

// kvEvent is the part of a KV event the cache reads. Vault sends metadata values as strings.
type kvEvent struct {
	Data struct {
		Namespace string `json:"namespace"`
		EventType string `json:"event_type"`
		Event     struct {
			Metadata map[string]any `json:"metadata"`
		} `json:"event"`
		PluginInfo struct {
			MountPath string `json:"mount_path"`
			Version   string `json:"version"`
		} `json:"plugin_info"`
	} `json:"data"`
}

// handleEvent acts on one KV event: for a modification (metadata.modified "true"), it drops the
// versions a delete, destroy or undelete names and re-reads the secret. A KV v2 event also
// re-reads the secret's metadata entry when cached, which Vault Proxy leaves stale.
func (c *Cache) handleEvent(ctx context.Context, msg []byte) {
	var ev kvEvent
	if err := json.Unmarshal(msg, &ev); err != nil {
		c.log.Warn("cache: unreadable event; ignored", "error", err, "message", fmt.Sprintf("%.300s", msg))
		return
	}
	md := ev.Data.Event.Metadata
	str := func(k string) string { s, _ := md[k].(string); return s }
	if str("modified") != "true" {
		return
	}
	path := strings.TrimLeft(str("path"), "/")
	if path == "" {
		return
	}
	ns := canonicalNamespace(ev.Data.Namespace)
	current, _ := strconv.Atoi(str("current_version"))
	var versions []int
	for _, k := range []string{"deleted_versions", "destroyed_versions", "undeleted_versions"} {
		if v := str(k); v != "" {
			var vs []int
			if err := json.Unmarshal([]byte(v), &vs); err != nil {
				c.log.Warn("cache: event with unreadable "+k+"; ignored", "value", v)
				continue
			}
			versions = append(versions, vs...)
		}
	}
	dataKey, metaKey := ns+path, ""
	v2 := ev.Data.PluginInfo.Version == "2" || strings.HasPrefix(ev.Data.EventType, "kv-v2/")
	if mount := strings.TrimLeft(ev.Data.PluginInfo.MountPath, "/"); v2 && mount != "" {
		if rest, ok := strings.CutPrefix(path, mount); ok {
			op, name, _ := strings.Cut(rest, "/")
			if isKVv2Op(op) && name != "" {
				dataKey, metaKey = ns+mount+"data/"+name, ns+mount+"metadata/"+name
			}
		}
	}
	c.log.Debug("cache: KV event", "type", ev.Data.EventType, "key", dataKey, "current_version", current, "versions", versions)
	if len(versions) > 0 {
		c.dropVersions(dataKey, versions)
	}
	c.refreshStatic(ctx, dataKey)
	if metaKey != "" {
		c.refreshStatic(ctx, metaKey)
	}
}

// dropVersions forgets the given versions of the secret at key (deleted, destroyed or undeleted:
// what Vault answers for them changed).
func (c *Cache) dropVersions(key string, versions []int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.static.byKey[key]
	if e == nil {
		return
	}
	for _, v := range versions {
		delete(e.st.versions, v)
	}
	c.resizeStaticLocked(e)
}

// refreshAll re-reads every static secret.
func (c *Cache) refreshAll(ctx context.Context, why string) {
	c.mu.Lock()
	keys := make([]string, 0, len(c.static.byKey))
	for k := range c.static.byKey {
		keys = append(keys, k)
	}
	c.mu.Unlock()
	if len(keys) > 0 {
		c.log.Debug("cache: re-reading every static secret", "why", why, "secrets", len(keys))
	}
	for _, k := range keys {
		if ctx.Err() != nil {
			return
		}
		c.refreshStatic(ctx, k)
	}
}

// refreshStatic re-reads the secret at key with its allowed tokens in turn until Vault answers
// one, as Vault Proxy: tokens Vault refuses are removed; the entry is evicted when the secret is
// gone (404), when no token may read it, or when Vault cannot be asked (the entry could not be
// kept fresh). A successful answer replaces the current one, and its KV v2 version. Each read asks for the active node (X-Vault-Forward: active-node), events coming
// from it, unless Vault said such forwarding is disabled.
func (c *Cache) refreshStatic(ctx context.Context, key string) {
	c.mu.Lock()
	e := c.static.byKey[key]
	if e == nil {
		c.mu.Unlock()
		return
	}
	tokens := make(map[string]string, len(e.st.tokens))
	for t, ns := range e.st.tokens {
		tokens[t] = ns
	}
	rel := strings.TrimPrefix(e.path, "/v1/")
	c.mu.Unlock()

	var got *staticResp
	var refused []string
	var why error
	for token, ns := range tokens {
		r, status, err := c.fetchStatic(ctx, token, ns, strings.TrimPrefix(key, ns))
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			got = r
			break
		}
		why = err
		if status == http.StatusNotFound {
			break // gone for every token
		}
		refused = append(refused, token)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.static.byKey[key] != e {
		return // evicted meanwhile: not brought back
	}
	for _, t := range refused {
		delete(e.st.tokens, t)
	}
	if got == nil {
		c.log.Debug("cache: static secret could not be re-read; evicted", "path", "/v1/"+rel, "namespace", e.namespace, "error", why)
		c.evictLocked(e, reasonRefreshFailed, false)
		c.m.staticRefreshes.WithLabelValues(refreshEvicted).Inc()
		return
	}
	e.st.current = got
	if got.version > 0 {
		// Stored under the version Vault answered, which is newer than the event's
		// current_version when another write followed.
		e.st.versions[got.version] = got
	}
	c.resizeStaticLocked(e)
	c.m.staticRefreshes.WithLabelValues(refreshUpdated).Inc()
}

// fetchStatic reads /v1/<rel> in namespace ns with token; the answer must be a 2xx KV answer.
func (c *Cache) fetchStatic(ctx context.Context, token, ns, rel string) (*staticResp, int, error) {
	forward := !c.static.noForward.Load()
	status, raw, hdr, err := c.getVault(ctx, token, ns, rel, forward)
	if err != nil && forward && strings.Contains(string(raw), "forwarding via header X-Vault-Forward disabled") {
		c.log.Info("cache: Vault has allow_forwarding_via_header off; static secrets are re-read without X-Vault-Forward")
		c.static.noForward.Store(true)
		status, raw, hdr, err = c.getVault(ctx, token, ns, rel, false)
	}
	if err != nil {
		return nil, status, err
	}
	version, ok := parseKV(rel, raw)
	if !ok || !isJSON(hdr) {
		return nil, status, fmt.Errorf("GET /v1/%s: not a KV answer", rel)
	}
	h := hdr.Clone()
	h[headerCache] = []string{"HIT"}
	delete(h, headerAge)
	return &staticResp{status: status, header: h, body: raw, stored: c.now(), version: version}, status, nil
}

// getVault is a GET of the static cache.
func (c *Cache) getVault(ctx context.Context, token, ns, rel string, forward bool) (int, []byte, http.Header, error) {
	return c.staticRequestVault(ctx, http.MethodGet, rel, token, ns, nil, forward)
}
