// Package request is the request model: what vaultproxy does with one HTTP request on one listener
// of a plan, as a pure function of the three (Decide). It says whether the proxy answers the request
// itself and with which status, or forwards it to Vault, and then with which token (the client's,
// the auto-auth token, or none), in which namespace, with which headers added or removed, whether
// the answer may come from or go into the cache, and whether a failure is retried.
//
// The runtime (package runtime) makes its per-request decisions by calling Decide; `vaultproxy
// plan` previews requests with it (`plan -request`), and the test runner and the Terraform
// provider evaluate `request(...)` with it. It depends on compile (the plan) only, so that those
// can import it without linking the runtime's servers.
//
// The rules are Vault Proxy's (hashicorp/vault command/agentproxyshared/cache/handler.go for the
// token, api_proxy.go for namespaces and consistency, lease_cache.go for what is cached) plus
// what vaultproxy refuses on top of them; docs/differences-runtime.md lists the latter.
package request
