// Package runtime executes a validated plan: it binds the plan's listeners, forwards requests to Vault
// as Vault Proxy's API proxy does (hashicorp/vault command/agentproxyshared/cache/api_proxy.go and
// handler.go), runs auto-auth and its sinks
// (package runtime/autoauth), runs the lease cache of a cache block (package runtime/cache), serves
// /proxy/v1/metrics, /proxy/v1/ready, /proxy/v1/quit and /proxy/v1/cache-clear, and shuts down
// gracefully. Readiness (ready.go) is read from state the request path, auto-auth and a bounded
// background check of Vault keep (vaultwatch.go).
// It performs all the I/O of `vaultproxy run`, and nothing else: it never reads the configuration files
// or the environment, which package compile has already resolved into the plan.
//
// Entry point: New builds a Runtime from a plan (no I/O beyond reading certificate files), Run serves
// until its context ends, a quit request arrives or auto-auth ends the process (exit_after_auth,
// exit_on_err), and Swap replaces the plan of a running Runtime (SIGHUP) without dropping in-flight
// requests.
//
// The request path is an httputil.ReverseProxy whose Transport hands each prepared request to a
// Proxier. The forwarding Proxier retries idempotent requests; the consistency Proxier replays
// X-Vault-Index states. With a cache block, the lease cache (package runtime/cache, an
// http.RoundTripper decorator adapted with AsTransport and FromTransport) wraps them: it sees each
// request with its token and namespace already set, and its answers, hits included, still go
// through the proxy's token-response sanitiser. See cache.go.
package runtime
