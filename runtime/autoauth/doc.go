// Package autoauth is the auto-auth loop of `vaultproxy run` (as hashicorp/vault's
// command/agentproxyshared/auth/auth.go and sink/ do it; docs/vault-proxy-behaviour.md): it
// logs in with the configured method (token_file, approle, jwt, kubernetes, cert, ldap, aws, gcp) through
// github.com/hashicorp/vault/api, at the method's mount path and login namespace, backs off
// exponentially with jitter between min_backoff and max_backoff, keeps the token renewed with the api
// package's LifetimeWatcher, logs in again when renewal ends or the proxy reports the token refused,
// and writes each new token to the file sinks (atomically, optionally response-wrapped).
//
// Entry point: NewManager builds a Manager from a Config (plain values taken from the plan by package
// runtime), Run drives it until its context ends; Token and Invalidate serve the proxy. Tokens are
// never logged.
package autoauth
