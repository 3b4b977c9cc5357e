// Package cache is Vault Proxy's lease cache (hashicorp/vault command/agentproxyshared/cache/
// lease_cache.go and cachememdb/; docs/cache.md) as an http.RoundTripper decorator: the runtime's
// httputil.ReverseProxy keeps its Transport and wraps it,
//
//	c, err := cache.New(cache.Options{Next: transport, Vault: client, AutoAuthToken: tokenFunc, ...})
//	proxy.Transport = c
//	mux.Handle(cache.ClearPath, c.ClearHandler())
//	defer c.Close()
//
// The request the cache sees already carries the X-Vault-Token and X-Vault-Namespace Vault is to
// receive. docs/cache.md is the user-facing description; in short:
//
// What is cached. Only 2xx application/json answers to GET, POST and PUT, and of those only:
//   - an answer creating a renewable token (a login, auth/token/create...), when the token is an
//     orphan or its parent, the request token, is managed;
//   - an answer carrying a renewable lease, when the request token is managed.
//
// A token is managed when it is the auto-auth token (Options.AutoAuthToken) or a token the cache
// itself holds. Everything else is forwarded; a request that is clearly not cacheable (another
// method, a renewal, a revocation, sys/wrapping/*, X-Vault-Wrap-TTL set, a path outside /v1/) is
// streamed through untouched, without an X-Cache header. Responses to requests that went through
// the lookup carry X-Cache: MISS, or X-Cache: HIT and Age on a hit.
//
// The key. SHA-256 of the method, the escaped path, the whole raw query, the canonical namespace
// ("ns1" = "ns1/"; root is ""), X-Vault-Token, every other header except those that never change
// Vault's answer (keyExcludedHeaders: Accept-Encoding, User-Agent, X-Forwarded-Host, X-Vault-Index,
// X-Vault-Forward, X-Vault-Inconsistent, X-Vault-Request...), and the body. So a client's token
// never reads another token's answer, and Authorization: Bearer is keyed too. Identical requests
// in flight at the same time are coalesced: one goes to Vault, the others wait and are answered
// from the cache, or, if the answer was not cached, go to Vault each on their own.
//
// Lifetime. Every entry is renewed as an api.LifetimeWatcher would renew it, from one schedule for
// the whole cache (renew.go, renew_sched.go: a timer heap and at most 16 renewals in flight, no
// goroutine per entry), and is evicted when renewal ends (max TTL), fails, or Vault refuses a
// renewal with a 4xx. A hit serves
// the lease's time left as its lease_duration (auth.lease_duration for a token; remaining.go), and a
// lookup evicts an entry with less than a second left. Revocations seen through the cache evict at once on a
// 2xx answer: auth/token/revoke, revoke-self, revoke-accessor (with children and leases),
// revoke-orphan (children kept), sys/leases/revoke (body or URL form), revoke-prefix and
// revoke-force (leases by lease-ID prefix, tokens by the path they were created at), with the
// legacy sys/revoke* aliases and with a namespace in the path. Beyond Options.MaxEntries the least
// recently used entry is evicted, and so beyond Options.MaxBytes of cached answers; such evictions
// are warned about at most once per 10 seconds, with their number.
//
// Static secrets (Options.StaticSecrets, cache_static_secrets; static.go, static_index.go,
// static_events.go, static_refresh.go, static_capabilities.go). A 2xx JSON answer of a KV mount
// (mount_type "kv") to a GET with a token is stored under the request's form: the canonical
// X-Vault-Namespace header, the path as requested and the version query (none or version=N),
// without the token; a GET is answered from it only when Vault already answered that token for that
// very form (the allowed tokens); any other query goes to Vault. Vault Enterprise's KV event stream
// (a WebSocket subscribed to with the auto-auth token) re-reads every entry of a secret on each
// event, each in its own form, and every entry on each connection; without the stream every entry
// is re-read each capability refresh interval. Each allowed token's read access is re-checked on
// that interval with sys/capabilities-self. Writes through the proxy (and reads racing them),
// revocations, cache-clear and the size limits cover static entries too. They live in memory only:
// they are not written to the cache file (see below).
//
// Persistence (Options.Persist, cache.persist "kubernetes", or "file" with a key file, a vaultproxy
// extension): every change is written through to an encrypted BoltDB file, restored by New at the
// next start (persist.go, persist_crypto.go, restore.go; docs/cache.md, "Persistence").
//
// Stale answers (Options.ServeStaleFor, cache.serve_stale_for, a vaultproxy extension; stale.go):
// while Vault is unreachable, a token or lease request may be answered from an entry whose lease
// ended at most that long ago, or a restored one not yet confirmed, marked X-Cache: STALE; never
// one Vault has been seen to revoke. StaleOnly answers so without asking Vault at all, for the
// proxy's requests keyed on auto-auth's restored token while Vault has not confirmed it.
//
// A Cache's state is split by concern, each part in the file named after it: how entries are found
// (indexes, index.go), the size bound (lru, lru.go), the cache file (persistence, persist_state.go)
// and the static secrets (staticCache, static.go). One mutex, Cache.mu, guards them all.
package cache
