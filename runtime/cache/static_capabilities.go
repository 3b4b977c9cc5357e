package cache

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// capabilityWorkers bounds the capability checks running at once (Vault Proxy runs 5).
const capabilityWorkers = 5

// requestTimeout bounds each request the static cache makes to Vault on its own.
const requestTimeout = 60 * time.Second

// tokenCaps are the static entries one token was let read. Fields guarded by Cache.mu.
type tokenCaps struct {
	token string
	paths map[staticKey]struct{}
	timer *time.Timer // the next scheduled check
	// running is set while a check is asking Vault; again asks it to run once more at once when
	// it ends (a revocation happened meanwhile, its answer may predate it).
	running, again bool
	// suspended: the token may have been revoked (by accessor); it is served nothing until a
	// capability check, or a read Vault answered after the revocation, shows it is valid.
	suspended bool
}

// addCapabilityLocked records that Vault let token read key. A token seen for the first time gets its
// periodic capability check (hashicorp/vault
// command/agentproxyshared/cache/static_secret_capability_manager.go); a token suspended since a
// revocation by accessor is valid again, as Vault has just answered it (a read sent before that
// revocation is not stored at all, see staleMarks).
func (c *Cache) addCapabilityLocked(token string, key staticKey) {
	tc := c.static.caps[token]
	if tc == nil {
		tc = &tokenCaps{token: token, paths: map[staticKey]struct{}{}}
		c.static.caps[token] = tc
		c.scheduleCapabilityCheck(tc, c.static.interval)
	}
	tc.suspended = false
	tc.paths[key] = struct{}{}
}

// scheduleCapabilityCheck hands tc to the workers after d.
func (c *Cache) scheduleCapabilityCheck(tc *tokenCaps, d time.Duration) {
	ctx := c.baseCtx
	tc.timer = time.AfterFunc(d, func() {
		select {
		case c.static.due <- tc:
		case <-ctx.Done():
		}
	})
}

// recheckAllLocked is for a revocation that may have revoked tokens the cache does not know (a
// token revocation through the proxy takes the token's children with it; revoke-accessor or
// cache-clear token_accessor of a token it holds no entry for): every token with static access is
// suspended and re-checked at once, so the revoked ones, whichever they are, are refused and
// removed, and none is served meanwhile.
func (c *Cache) recheckAllLocked() {
	if c.static == nil {
		return
	}
	c.static.marks.revokeUnknown()
	for _, tc := range c.static.caps {
		tc.suspended = true
		switch {
		case tc.running:
			tc.again = true
		case tc.timer != nil && tc.timer.Stop():
			c.scheduleCapabilityCheck(tc, 0)
		}
		// Otherwise the timer fired and the check has not started: it asks Vault after now.
	}
	if len(c.static.caps) > 0 {
		c.log.Debug("cache: a revocation may have revoked unknown tokens; every token's static access re-checked", "tokens", len(c.static.caps))
	}
}

func (c *Cache) capabilityWorker() {
	defer c.wg.Done()
	for {
		select {
		case <-c.baseCtx.Done():
			return
		case tc := <-c.static.due:
			c.checkCapabilities(c.baseCtx, tc)
		}
	}
}

// checkCapabilities asks Vault which of the entries tc's token was served it may still read
// (sys/capabilities-self, in each entry's namespace header, for the path as requested) and removes
// the token from the allowed tokens of those it may not. A path stays readable with the "read" or
// "root" capability. "permission denied" (the token is revoked or expired) means no capabilities;
// another failure keeps the paths (optimistic) or drops them (pessimistic). The check is
// scheduled again while the token may read anything the cache holds.
func (c *Cache) checkCapabilities(ctx context.Context, tc *tokenCaps) {
	c.mu.Lock()
	if c.closed || c.static.caps[tc.token] != tc {
		c.mu.Unlock() // cleared, or replaced by a newer record with its own schedule
		return
	}
	groups := map[string][]string{} // namespace header -> paths
	for key := range tc.paths {
		e := c.static.byKey[key]
		if e == nil {
			delete(tc.paths, key) // evicted: nothing to check any more
			continue
		}
		if _, ok := e.st.tokens[tc.token]; !ok {
			delete(tc.paths, key)
			continue
		}
		if !slices.Contains(groups[key.ns], key.rel) {
			groups[key.ns] = append(groups[key.ns], key.rel)
		}
	}
	if len(tc.paths) == 0 {
		delete(c.static.caps, tc.token)
		c.mu.Unlock()
		return
	}
	tc.running = true
	c.mu.Unlock()

	lost := map[[2]string]bool{} // {namespace, path}
	answered := true
	for ns, rels := range groups {
		slices.Sort(rels)
		caps, err := c.capabilitiesSelf(ctx, tc.token, ns, rels)
		if ctx.Err() != nil {
			return
		}
		switch {
		case err == nil:
			for _, rel := range rels {
				if p := caps[rel]; !slices.Contains(p, "read") && !slices.Contains(p, "root") {
					lost[[2]string{ns, rel}] = true
				}
			}
		case strings.Contains(err.Error(), "permission denied"):
			for _, rel := range rels {
				lost[[2]string{ns, rel}] = true
			}
		case c.static.opts.Pessimistic:
			c.warnCapability("cache: capability check failed; the token loses its static secrets (pessimistic)",
				"namespace", ns, "paths", len(rels), "error", err)
			for _, rel := range rels {
				lost[[2]string{ns, rel}] = true
			}
		default:
			answered = false
			c.warnCapability("cache: capability check failed; the token keeps its static secrets until the next check (optimistic)",
				"namespace", ns, "paths", len(rels), "error", err)
		}
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	tc.running = false
	if c.closed || c.static.caps[tc.token] != tc {
		return
	}
	for key := range tc.paths {
		if !lost[[2]string{key.ns, key.rel}] {
			continue
		}
		delete(tc.paths, key)
		if c.removeStaticTokenLocked(key, tc.token, reasonAccessLost) > 0 {
			c.log.Debug("cache: static secret evicted, its last token lost read access", "path", "/v1/"+key.rel, "namespace", key.ns)
		}
	}
	if len(tc.paths) == 0 {
		delete(c.static.caps, tc.token)
		return
	}
	if tc.again {
		tc.again = false
		c.scheduleCapabilityCheck(tc, 0)
		return
	}
	if answered {
		// Vault answered after any revocation that suspended the token: what is left is readable.
		tc.suspended = false
	}
	c.scheduleCapabilityCheck(tc, c.static.interval)
}

// warnCapability logs a failed capability check: at most one warning per warnPeriod, with how many
// failed.
func (c *Cache) warnCapability(msg string, args ...any) {
	if n, ok := c.static.capWarn.note(c.now()); ok {
		c.log.Warn(msg, append(args, "failed_checks", n)...)
	} else {
		c.log.Debug(msg, args...)
	}
}

// capabilitiesSelf is POST sys/capabilities-self {"paths": rels} with token in namespace ns; it
// returns the capabilities of each path. A path Vault does not list has none.
func (c *Cache) capabilitiesSelf(ctx context.Context, token, ns string, rels []string) (map[string][]string, error) {
	body, _ := json.Marshal(map[string][]string{"paths": rels})
	status, raw, _, err := c.staticRequestVault(ctx, http.MethodPost, "sys/capabilities-self", token, ns, body, false)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("sys/capabilities-self: %d %s", status, vaultErrors(raw))
	}
	var out struct {
		Data map[string]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.Data == nil {
		return nil, fmt.Errorf("sys/capabilities-self: unexpected answer: %.200s", raw)
	}
	caps := map[string][]string{}
	for _, rel := range rels {
		var p []string
		if v, ok := out.Data[rel]; ok && json.Unmarshal(v, &p) != nil {
			return nil, fmt.Errorf("sys/capabilities-self: unexpected capabilities for %q: %.200s", rel, v)
		}
		caps[rel] = p
	}
	return caps, nil
}

// staticRequestVault sends one request of the static cache to Vault: path (no /v1/, optionally
// followed by "?" and a query) with token in namespace ns, optionally with X-Vault-Forward:
// active-node. It returns the status, up to
// maxResponseBody bytes of the body and the headers; a status of 400 or more is also an error.
func (c *Cache) staticRequestVault(ctx context.Context, method, path, token, ns string, body []byte, forward bool) (int, []byte, http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	u := *c.static.base
	path, query, _ := strings.Cut(path, "?")
	u.Path = strings.TrimRight(u.Path, "/") + "/v1/" + path
	u.RawPath, u.RawQuery = "", query
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set(headerToken, token)
	req.Header.Set("X-Vault-Request", "true")
	if ns != "" {
		req.Header.Set(headerNamespace, ns)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if forward {
		req.Header.Set("X-Vault-Forward", "active-node")
	}
	resp, err := c.static.client.Do(req)
	c.noteRoundTrip(c.baseCtx, resp, err) // ctx's own timeout is Vault not answering
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	raw, whole, err := readAtMost(resp.Body, maxResponseBody)
	if err != nil {
		return 0, nil, nil, err
	}
	if !whole {
		return 0, nil, nil, fmt.Errorf("%s %s: answer larger than %d bytes", method, path, maxResponseBody)
	}
	if resp.StatusCode >= 400 {
		return resp.StatusCode, raw, resp.Header, fmt.Errorf("%s /v1/%s: %d %s", method, path, resp.StatusCode, vaultErrors(raw))
	}
	return resp.StatusCode, raw, resp.Header, nil
}

// vaultErrors is the "errors" of a Vault error answer, joined, or the start of the body.
func vaultErrors(raw []byte) string {
	var e struct {
		Errors []string `json:"errors"`
	}
	if json.Unmarshal(raw, &e) == nil && len(e.Errors) > 0 {
		return strings.Join(e.Errors, "; ")
	}
	return fmt.Sprintf("%.200s", raw)
}
