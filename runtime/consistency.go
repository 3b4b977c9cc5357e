package runtime

import (
	"net/http"
	"sync"

	"github.com/hashicorp/vault/api"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/request"
)

const (
	indexHeader        = request.HeaderIndex
	inconsistentHeader = request.HeaderInconsistent
)

// consistency is the Proxier of enforce_consistency = "always" (hashicorp/vault
// command/agentproxyshared/cache/api_proxy.go): it replays the last X-Vault-Index states it saw on
// each request, and then fails, retries, or asks for forwarding to the active node when Vault answers
// 412. A request that carries any consistency header of its own passes untouched. The states are
// shared by every request of the plan.
type consistency struct {
	next Proxier
	when compile.WhenInconsistent

	mu     sync.Mutex
	states []string
}

func (c *consistency) Send(sr *SendRequest) (*http.Response, error) {
	h := sr.Request.Header
	if request.CarriesConsistency(h) {
		return c.next.Send(sr)
	}
	c.mu.Lock()
	for _, s := range c.states {
		h.Add(indexHeader, s)
	}
	c.mu.Unlock()
	switch c.when {
	case compile.WhenInconsistentRetry:
		sr.Retry412 = true
	case compile.WhenInconsistentForward:
		h.Set(inconsistentHeader, "forward-active-node")
	}
	resp, err := c.next.Send(sr)
	if err == nil && resp.StatusCode < 400 {
		if s := resp.Header.Get(indexHeader); s != "" {
			c.mu.Lock()
			c.states = api.MergeReplicationStates(c.states, s)
			c.mu.Unlock()
		}
	}
	return resp, err
}
