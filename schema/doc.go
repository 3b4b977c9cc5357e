// Package schema declares the Vault Proxy configuration language as data: every block and attribute
// with its type, default, allowed values, whether it is required, sensitive, deprecated or ignored by
// Vault Proxy, and a one-sentence doc.
//
// It is the single source for the compiler (package compile decodes against it and derives its "Did you
// mean" candidates from it) and for the reference in docs/ (generated from it by package docs). Entry
// point: Root, the top level of a configuration file; MethodConfig gives the `config` keys of an
// auto-auth method type. The environment variables and flags that override an attribute are its Env
// and Flag (FlagAttributes lists the flagged ones, from which the CLI registers its flags); EnvVars
// declares the variables of Vault Proxy's Vault client that no attribute declares, with why vaultproxy
// ignores them.
//
// Facts come from Vault Proxy 1.21 (hashicorp/vault command/proxy/config/config.go,
// internalshared/configutil and command/agentproxyshared; docs/vault-proxy-behaviour.md); where
// this project deliberately differs, the Differs field says how, and docs/ lists it.
package schema
