package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// handleEvent acts on one KV event (metadata.modified "true"). The secret is data.namespace +
// metadata.path; for KV v2, <mount>{data,metadata,subkeys,delete,undelete,destroy}/x all name the
// secret x, whose data, metadata and subkeys entries are then re-read (Vault Proxy re-reads only
// the path named). Entries of ?version=N that a delete, destroy or undelete lists are evicted;
// every other entry of the secret, in every form it was read in (namespace header or path prefix)
// and version query, is re-read with its own tokens and in its own form, so a destroyed version
// or a pruned one (max_versions) goes too.
func (c *Cache) handleEvent(ctx context.Context, msg []byte) {
	var ev kvEvent
	if err := json.Unmarshal(msg, &ev); err != nil {
		c.warnEvent("cache: unreadable event; ignored", "error", err, "message", fmt.Sprintf("%.300s", msg))
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
	var versions []int
	for _, k := range []string{"deleted_versions", "destroyed_versions", "undeleted_versions"} {
		if v := str(k); v != "" {
			var vs []int
			if err := json.Unmarshal([]byte(v), &vs); err != nil {
				c.warnEvent("cache: event with unreadable "+k+"; ignored", "value", v)
				continue
			}
			versions = append(versions, vs...)
		}
	}
	paths := []string{ns + path}
	v2 := ev.Data.PluginInfo.Version == "2" || strings.HasPrefix(ev.Data.EventType, "kv-v2/")
	if mount := strings.TrimLeft(ev.Data.PluginInfo.MountPath, "/"); v2 && mount != "" {
		if rest, ok := strings.CutPrefix(path, mount); ok {
			op, name, _ := strings.Cut(rest, "/")
			if isKVv2Op(op) && name != "" {
				paths = paths[:0]
				for _, read := range kvV2Reads {
					paths = append(paths, ns+mount+read+"/"+name)
				}
			}
		}
	}
	c.log.Debug("cache: KV event", "type", ev.Data.EventType, "paths", paths, "versions", versions)
	c.mu.Lock()
	entries := staticEntriesLocked(c.static.byFull, paths)
	var keys []staticKey
	for _, e := range entries {
		if slices.Contains(versions, e.st.key.version) {
			c.evictLocked(e, reasonWritten, false)
			continue
		}
		keys = append(keys, e.st.key)
	}
	c.mu.Unlock()
	for _, k := range keys {
		if ctx.Err() != nil {
			return
		}
		c.refreshStatic(ctx, k)
	}
}

// warnEvent logs a malformed event: at most one warning per warnPeriod, with how many there were.
func (c *Cache) warnEvent(msg string, args ...any) {
	if n, ok := c.static.eventWarn.note(c.now()); ok {
		c.log.Warn(msg, append(args, "malformed_events", n)...)
	} else {
		c.log.Debug(msg, args...)
	}
}

// refreshAll re-reads every static entry.
func (c *Cache) refreshAll(ctx context.Context, why string) {
	c.mu.Lock()
	keys := make([]staticKey, 0, len(c.static.byKey))
	for k := range c.static.byKey {
		keys = append(keys, k)
	}
	c.mu.Unlock()
	if len(keys) > 0 {
		c.log.Debug("cache: re-reading every static secret", "why", why, "entries", len(keys))
	}
	for _, k := range keys {
		if ctx.Err() != nil {
			return
		}
		c.refreshStatic(ctx, k)
	}
}

// refreshStatic re-reads the entry at key, in its own form (namespace header, path, version
// query), with its allowed tokens in turn until Vault answers one, as Vault Proxy: tokens Vault
// refuses are removed; the entry is evicted when the secret is gone (404: deleted, destroyed),
// when no token may read it, or when Vault cannot be asked (the entry could not be kept fresh).
// A successful answer replaces the stored one. Each read asks for the active node
// (X-Vault-Forward: active-node), events coming from it, unless Vault said such forwarding is
// disabled.
func (c *Cache) refreshStatic(ctx context.Context, key staticKey) {
	c.mu.Lock()
	e := c.static.byKey[key]
	if e == nil {
		c.mu.Unlock()
		return
	}
	tokens := make([]string, 0, len(e.st.tokens))
	for t := range e.st.tokens {
		tokens = append(tokens, t)
	}
	c.mu.Unlock()

	var got *staticResp
	var refused []string
	var why error
	unreached := len(tokens) > 0 // every attempt found Vault unreachable
	for _, token := range tokens {
		r, status, err := c.fetchStatic(ctx, token, key)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			got = r
			break
		}
		why = err
		if unreachableStatus(status) {
			continue // says nothing of the token
		}
		unreached = false
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
	if got == nil && unreached && c.keepUnreachedLocked(e, c.now()) {
		c.log.Debug("cache: static secret could not be re-read, Vault is unreachable; kept for serve_stale_for",
			"path", e.path, "query", key.query(), "namespace", e.namespace, "error", why)
		return
	}
	if got == nil {
		c.log.Debug("cache: static secret could not be re-read; evicted", "path", e.path, "query", key.query(),
			"namespace", e.namespace, "error", why)
		c.evictLocked(e, reasonRefreshFailed, false)
		c.m.staticRefreshes.WithLabelValues(refreshEvicted).Inc()
		return
	}
	e.st.resp = got
	c.resizeStaticLocked(e)
	c.m.staticRefreshes.WithLabelValues(refreshUpdated).Inc()
}

// fetchStatic re-reads key with token; the answer must be a 2xx KV answer.
func (c *Cache) fetchStatic(ctx context.Context, token string, key staticKey) (*staticResp, int, error) {
	rel := key.rel
	if q := key.query(); q != "" {
		rel += "?" + q
	}
	forward := !c.static.noForward.Load()
	status, raw, hdr, err := c.getVault(ctx, token, key.ns, rel, forward)
	if err != nil && forward && strings.Contains(string(raw), "forwarding via header X-Vault-Forward disabled") {
		c.log.Info("cache: Vault has allow_forwarding_via_header off; static secrets are re-read without X-Vault-Forward")
		c.static.noForward.Store(true)
		status, raw, hdr, err = c.getVault(ctx, token, key.ns, rel, false)
	}
	if err != nil {
		return nil, status, err
	}
	if !isKVAnswer(raw) || !isJSON(hdr) {
		return nil, status, fmt.Errorf("GET /v1/%s: not a KV answer", rel)
	}
	h := hdr.Clone()
	h[headerCache] = []string{"HIT"}
	delete(h, headerAge)
	return &staticResp{status: status, header: h, body: raw, stored: c.now()}, status, nil
}

// getVault is a GET of the static cache; rel may end with a query.
func (c *Cache) getVault(ctx context.Context, token, ns, rel string, forward bool) (int, []byte, http.Header, error) {
	return c.staticRequestVault(ctx, http.MethodGet, rel, token, ns, nil, forward)
}
