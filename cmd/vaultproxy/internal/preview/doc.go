// Package preview renders a compiled plan for people: what `vaultproxy plan` prints. It says what the
// proxy will really do, with every default and override made explicit and each setting's origin in
// brackets ([default], [proxy.hcl:4,3-30], [env VAULT_ADDR], [flag -address]). "The proxy" is
// `vaultproxy run`: where it behaves differently from Vault Proxy (docs/differences-runtime.md), the
// preview describes run, takes its figures (waits, retries) from package runtime, and lists first
// what run refuses (compile.RunRefusals).
//
// The text fits 80 columns and reads without colour. Its sections are Vault (how every subsystem
// reaches Vault), one per listener (transport, role, the paths it serves, whether X-Vault-Request is
// required), Requests (a decision table of what a proxied request becomes: which token and which
// namespace reach Vault, which requests are retried, the consistency headers and what a 412 does,
// whether the response may be cached; the token and namespace rows are request.Decide's decisions
// for example requests, the model run decides with), Auto-auth (method, login path and namespace, backoff, config,
// sinks), Cache, Telemetry and Process (the top-level settings). Secret values are never printed.
//
// WriteDecision prints one request's decision, for `plan -request`.
//
// The preview is a pure function of the plan: the same plan always gives the same text.
package preview
