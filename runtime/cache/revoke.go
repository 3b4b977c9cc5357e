package cache

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// revoke forwards a revocation (never answered from the cache) and, when Vault answers 2xx, evicts
// what it revoked. The response is passed on untouched.
func (c *Cache) revoke(req *http.Request, op pathOp) (*http.Response, error) {
	body, whole, err := readBody(req)
	if err != nil {
		return nil, err
	}
	resp, err := c.next.RoundTrip(withBody(req, body))
	if err != nil || resp.StatusCode/100 != 2 {
		return resp, err
	}
	if !whole {
		c.log.Warn("cache: revocation request body too large to read; nothing evicted", "path", req.URL.Path)
		return resp, nil
	}
	c.applyRevocation(req, op, body.buf)
	return resp, nil
}

// applyRevocation evicts what a successful revocation revoked and returns how many entries went.
//
// Vault revokes a token's children with it, and the cache does not know every child (a token made
// directly at Vault holds no entry here, yet may have read static secrets through the proxy). So a
// revocation of a token, by token, self or accessor, or of auth/ lease prefixes, also suspends and
// re-checks every token with static access (recheckAllLocked); revoke-orphan, whose children
// survive, takes static access from the named token alone.
func (c *Cache) applyRevocation(req *http.Request, op pathOp, body []byte) int {
	fields := revocationFields(req.Header, body)
	field := func(name string) string {
		v, ok := fields[name]
		if !ok || v == "" {
			c.log.Warn("cache: Vault accepted a revocation whose "+name+" the cache cannot read from the body; "+
				"tokens with static access are re-checked, cached tokens and leases stay until their next renewal",
				"path", req.URL.Path, "content_type", req.Header.Get("Content-Type"))
		}
		return v
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	recheck := true // whether the revocation may have revoked tokens the cache does not know
	switch op.kind {
	case opRevokeToken:
		n = c.evictTokenLocked(field("token"), reasonRevoked)
	case opRevokeSelf:
		n = c.evictTokenLocked(requestToken(req.Header), reasonRevoked)
	case opRevokeAccessor:
		acc := field("accessor")
		var known bool
		n, known = c.evictAccessorLocked(acc, reasonRevoked)
		if !known && !c.dropStaleAccessorLocked(acc) {
			c.dropAllStaleLocked() // a token the cache cannot name: none is trusted while Vault is down
		}
	case opRevokeOrphan:
		if t := field("token"); t != "" {
			// Its children keep their static access; the token itself loses it now (with no entry
			// of its own, nothing else would take it away before the next capability check).
			n = c.orphanTokenLocked(t, reasonRevoked) + c.dropStaticTokenLocked(t, reasonRevoked)
			recheck = false
		}
	case opRevokeLease:
		id := op.arg
		if id == "" {
			id = field("lease_id")
		}
		if e := c.idx.byLease[id]; id != "" && e != nil {
			n = c.evictLocked(e, reasonRevoked, false)
		}
		// A token's lease ID is its login path: revoking it revokes the token and its children.
		recheck = id == "" || strings.HasPrefix(strings.TrimLeft(id, "/"), "auth/")
		if recheck {
			c.dropAllStaleLocked()
		} else {
			c.dropStaleWhereLocked(func(e *entry) bool { return e.kind == kindLease && e.lease == id })
		}
	case opRevokePrefix:
		n = c.evictPrefixLocked(op.arg, reasonRevoked)
		p := strings.TrimLeft(op.arg, "/")
		recheck = p == "" || strings.HasPrefix(p, "auth/") || strings.HasPrefix("auth/", p)
		if recheck {
			c.dropAllStaleLocked()
		} else {
			c.dropStaleWhereLocked(func(e *entry) bool { return prefixOf(e, op.arg) })
		}
	}
	if recheck {
		c.recheckAllLocked()
	}
	if n > 0 {
		c.log.Debug("cache: evicted after revocation", "path", req.URL.Path, "entries", n)
	}
	return n
}

// revocationFields reads a revocation's body as Vault's HTTP handler does (isForm in its
// http/logical.go): a form (the first value of each field) when the content type is
// application/x-www-form-urlencoded and the body, past leading white space, does not start with
// "{" or "[" (curl -d sends JSON with that content type); otherwise a JSON object (string fields).
// Values are taken as sent, untrimmed, as Vault takes them. An unreadable body gives none.
func revocationFields(h http.Header, body []byte) map[string]string {
	out := map[string]string{}
	if len(body) == 0 {
		return out
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	looksJSON := len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
	if mt, _, err := mime.ParseMediaType(h.Get("Content-Type")); err == nil && mt == "application/x-www-form-urlencoded" && !looksJSON {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return out
		}
		for k, v := range form {
			if len(v) > 0 {
				out[k] = v[0]
			}
		}
		return out
	}
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return out
	}
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// evictPrefixLocked is sys/leases/revoke-prefix/<p> and revoke-force/<p>: Vault revokes every lease
// whose ID starts with p, and every token created under p (a token's lease ID is the path it was
// created at, "auth/token/create/..." or "auth/userpass/login/..."), with the tokens' children and
// leases. Namespaces are not compared: an entry of another namespace that matches is evicted too,
// which costs at most one more call to Vault.
func (c *Cache) evictPrefixLocked(prefix, reason string) int {
	prefix = strings.TrimLeft(prefix, "/")
	if prefix == "" {
		return 0
	}
	var victims []*entry
	for el := c.lru.list.Front(); el != nil; el = el.Next() {
		e := el.Value.(*entry)
		switch {
		case e.kind == kindLease && strings.HasPrefix(e.lease, prefix),
			e.kind == kindToken && strings.HasPrefix(e.leasePath, prefix):
			victims = append(victims, e)
		}
	}
	n := 0
	for _, e := range victims {
		n += c.evictLocked(e, reason, true)
	}
	return n
}

// evictAccessorLocked evicts the token entry with accessor, with everything created with it, and
// reports whether the cache held one. When it did not, the cache cannot tell which token the
// accessor is; the callers then re-check every token with static access (recheckAllLocked).
func (c *Cache) evictAccessorLocked(accessor, reason string) (n int, known bool) {
	e := c.idx.byAcc[accessor]
	if accessor == "" || e == nil {
		return 0, false
	}
	return c.evictLocked(e, reason, true), true
}
