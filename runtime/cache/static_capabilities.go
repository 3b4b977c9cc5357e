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

// addCapabilityLocked records that Vault let token read key in namespace ns. A token seen for the
// first time gets its periodic capability check (reference section 4.3).
func (c *Cache) addCapabilityLocked(token, key, ns string) {
	tc := c.static.caps[token]
	if tc == nil {
		tc = &tokenCaps{token: token, paths: map[string]string{}}
		c.static.caps[token] = tc
		c.scheduleCapabilityCheck(tc)
	}
	tc.paths[key] = ns
}

// scheduleCapabilityCheck hands tc to the workers after the refresh interval.
func (c *Cache) scheduleCapabilityCheck(tc *tokenCaps) {
	ctx := c.baseCtx
	time.AfterFunc(c.static.interval, func() {
		select {
		case c.static.due <- tc:
		case <-ctx.Done():
		}
	})
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

// checkCapabilities asks Vault which of the secrets tc's token was served it may still read
// (sys/capabilities-self, in the namespace it read each in) and removes the token from the
// allowed tokens of those it may not. A path stays readable with the "read" or "root" capability.
// "permission denied" (the token is revoked or expired) means no capabilities; another failure
// keeps the paths (optimistic) or drops them (pessimistic). The check is scheduled again while
// the token may read anything the cache holds.
func (c *Cache) checkCapabilities(ctx context.Context, tc *tokenCaps) {
	c.mu.Lock()
	if c.closed || c.static.caps[tc.token] != tc {
		c.mu.Unlock() // cleared, or replaced by a newer record with its own schedule
		return
	}
	groups := map[string][]string{} // namespace -> paths relative to it
	for key, ns := range tc.paths {
		e := c.static.byKey[key]
		if e == nil {
			delete(tc.paths, key) // evicted: nothing to check any more
			continue
		}
		if _, ok := e.st.tokens[tc.token]; !ok {
			delete(tc.paths, key)
			continue
		}
		groups[ns] = append(groups[ns], strings.TrimPrefix(key, ns))
	}
	if len(tc.paths) == 0 {
		delete(c.static.caps, tc.token)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()

	lost := map[string]bool{}
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
					lost[ns+rel] = true
				}
			}
		case strings.Contains(err.Error(), "permission denied"):
			for _, rel := range rels {
				lost[ns+rel] = true
			}
		case c.static.opts.Pessimistic:
			c.log.Warn("cache: capability check failed; the token loses its static secrets (pessimistic)",
				"namespace", ns, "paths", len(rels), "error", err)
			for _, rel := range rels {
				lost[ns+rel] = true
			}
		default:
			c.log.Warn("cache: capability check failed; the token keeps its static secrets until the next check (optimistic)",
				"namespace", ns, "paths", len(rels), "error", err)
		}
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.static.caps[tc.token] != tc {
		return
	}
	for key := range lost {
		delete(tc.paths, key)
		if c.removeStaticTokenLocked(key, tc.token, reasonAccessLost) > 0 {
			c.log.Debug("cache: static secret evicted, its last token lost read access", "key", key)
		}
	}
	if len(tc.paths) == 0 {
		delete(c.static.caps, tc.token)
		return
	}
	c.scheduleCapabilityCheck(tc)
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

// staticRequestVault sends one request of the static cache to Vault: path (no /v1/) with token
// in namespace ns, optionally with X-Vault-Forward: active-node. It returns the status, up to
// maxResponseBody bytes of the body and the headers; a status of 400 or more is also an error.
func (c *Cache) staticRequestVault(ctx context.Context, method, path, token, ns string, body []byte, forward bool) (int, []byte, http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	u := *c.static.base
	u.Path = strings.TrimRight(u.Path, "/") + "/v1/" + path
	u.RawPath, u.RawQuery = "", ""
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
