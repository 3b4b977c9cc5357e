package cache

import (
	"encoding/json"
	"net/http"
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
func (c *Cache) applyRevocation(req *http.Request, op pathOp, body []byte) int {
	field := func(name string) string {
		var m map[string]any
		if len(body) == 0 || json.Unmarshal(body, &m) != nil {
			return ""
		}
		s, _ := m[name].(string)
		return strings.TrimSpace(s)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	switch op.kind {
	case opRevokeToken:
		n = c.evictTokenLocked(field("token"), reasonRevoked)
	case opRevokeSelf:
		n = c.evictTokenLocked(requestToken(req.Header), reasonRevoked)
	case opRevokeAccessor:
		n = c.evictAccessorLocked(field("accessor"), reasonRevoked)
	case opRevokeOrphan:
		if t := field("token"); t != "" {
			// Its children keep their static access; the token itself loses it now (with no entry
			// of its own, nothing else would take it away before the next capability check).
			n = c.orphanTokenLocked(t, reasonRevoked) + c.dropStaticTokenLocked(t, reasonRevoked)
		}
	case opRevokeLease:
		id := op.arg
		if id == "" {
			id = field("lease_id")
		}
		if e := c.byLease[id]; id != "" && e != nil {
			n = c.evictLocked(e, reasonRevoked, false)
		}
	case opRevokePrefix:
		n = c.evictPrefixLocked(op.arg, reasonRevoked)
	}
	if n > 0 {
		c.log.Debug("cache: evicted after revocation", "path", req.URL.Path, "entries", n)
	}
	return n
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
	for el := c.lru.Front(); el != nil; el = el.Next() {
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

// evictAccessorLocked evicts the token entry with accessor, with everything created with it. When
// the cache holds no such entry it cannot tell which token the accessor is: with static secrets,
// every token with static access is then suspended and re-checked (recheckAllLocked), so a revoked
// token is not served a static secret in the meantime.
func (c *Cache) evictAccessorLocked(accessor, reason string) int {
	if accessor == "" {
		return 0
	}
	if e := c.byAcc[accessor]; e != nil {
		return c.evictLocked(e, reason, true)
	}
	c.recheckAllLocked()
	return 0
}
