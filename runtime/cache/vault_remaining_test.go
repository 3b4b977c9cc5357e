package cache

import (
	"encoding/json"
	"testing"
	"time"
)

// A cached token is served with the TTL Vault gives it at that moment: through its renewals and as
// its max TTL cuts them short, every hit's auth.lease_duration is what Vault's own token lookup says
// is left (to the second either way: the two are read a moment apart), never the 10s it was
// created with, and a token is never served once Vault has let it expire.
func TestVaultHitServesTimeLeft(t *testing.T) {
	p := startVaultProxy(t)
	const body = `{"policies":["default"],"ttl":"10s","explicit_max_ttl":"12s"}`
	hits, shorter := 0, 0
	deadline := time.Now().Add(16 * time.Second)
	for time.Now().Before(deadline) {
		r := p.mustCreate("", body)
		if r.header.Get("X-Cache") == "HIT" {
			hits++
			auth, _ := r.body["auth"].(map[string]any)
			served, _ := auth["lease_duration"].(float64)
			sec, err := p.root.Auth().Token().Lookup(r.str("auth", "client_token"))
			if err != nil || sec == nil {
				t.Fatalf("served a token Vault no longer has (lease_duration %v): %v", served, err)
			}
			ttl, err := sec.Data["ttl"].(json.Number).Int64()
			if err != nil {
				t.Fatal(err)
			}
			if served < 1 || served < float64(ttl-1) || served > float64(ttl+1) {
				t.Fatalf("hit %d: lease_duration %v, Vault says %ds left", hits, served, ttl)
			}
			if served < 9 {
				shorter++
			}
		}
		time.Sleep(700 * time.Millisecond)
	}
	// Enough hits, some of them well into the token's life, for the comparison to mean something.
	if hits < 5 || shorter < 2 {
		t.Fatalf("%d hits, %d of them under 9s: the test saw too little", hits, shorter)
	}
}
