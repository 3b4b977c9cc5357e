package request

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/vaultproxy/vaultproxy/compile"
)

// forward decides a request that goes to Vault, or is refused on its way there (namespace escape,
// wrapping with the auto-auth token).
func forward(d *Decision, ru *Rules, r Request, why *reasons) {
	if !namespace(d, ru, r, why) {
		return
	}
	if !token(d, ru, r, why) {
		return
	}
	consistency(d, ru, r, why)
	// The body is read whole before Vault sees it, so Vault is not asked to confirm it again.
	if len(r.Header["Expect"]) > 0 {
		d.Headers.Remove = append(d.Headers.Remove, "Expect")
	}
	cache(d, ru, r, why)
	retries(d, ru, r, why)
	if why.on {
		d.Reason = strings.Join(why.list, " ")
	}
}

// namespace decides the X-Vault-Namespace Vault receives. Without prepending, or with nothing
// configured, the request's own header passes as it came. It returns false for a refusal.
func namespace(d *Decision, ru *Rules, r Request, why *reasons) bool {
	configured := ru.proxyNamespace
	if !ru.prependNamespace || configured == "" {
		d.Namespace = compile.CanonicalNamespace(first(r.Header, HeaderNamespace))
		if d.Namespace == "" {
			why.add("Namespace: the root namespace (none sent, none prepended).")
		} else {
			why.add("Namespace: the request's X-Vault-Namespace, as sent.")
		}
		return true
	}
	ns, err := JoinNamespace(configured, first(r.Header, HeaderNamespace))
	if err != nil {
		d.refuse(http.StatusBadRequest, err.Error())
		d.Reason = "prepend_configured_namespace is on: a namespace that leaves " + configured + " is refused."
		return false
	}
	d.Namespace = ns
	d.setHeader(HeaderNamespace, ns)
	if why.on {
		why.add("Namespace: the configured " + configured + " prepended (prepend_configured_namespace).")
	}
	return true
}

// token decides the token Vault receives, as hashicorp/vault
// command/agentproxyshared/cache/handler.go does: with "force" the auto-auth token always; with
// true the auto-auth token only when the request carries no X-Vault-Token (an empty header counts
// as none); with false, or without an auto_auth block, the request's token as it came. It returns
// false when wrapping is refused for a request made with the auto-auth token.
func token(d *Decision, ru *Rules, r Request, why *reasons) bool {
	mode, hasAuth := ru.tokenMode, ru.hasAuth
	auto := hasAuth && (mode == compile.TokenModeForce || mode == compile.TokenModeAutoAuth && first(r.Header, HeaderToken) == "")
	if !auto {
		d.Token = TokenClient
		if VaultToken(r.Header) == "" {
			d.Token = TokenNone
		}
		switch {
		case mode != compile.TokenModeClient && !hasAuth:
			if why.on {
				why.add(fmt.Sprintf("Token: the client's (use_auto_auth_token = %s, but there is no auto_auth block).", mode))
			}
		case d.Token == TokenNone:
			why.add("Token: none, the request is unauthenticated.")
		default:
			why.add("Token: the client's, as sent.")
		}
		return true
	}
	d.Token = TokenAutoAuth
	d.setHeader(HeaderToken, AutoAuthTokenValue)
	if mode == compile.TokenModeForce {
		why.add(`Token: the auto-auth token (use_auto_auth_token = "force").`)
	} else {
		why.add("Token: the auto-auth token (use_auto_auth_token = true, no X-Vault-Token sent).")
	}
	kind := TokenPathOf(r.URL.Path)
	if kind == NotTokenPath {
		return true
	}
	d.Sanitize = true
	if len(r.Header["Accept-Encoding"]) > 0 {
		// The sanitiser reads the answer: it must come uncompressed.
		d.Headers.Remove = append(d.Headers.Remove, "Accept-Encoding")
	}
	about, pending := aboutAutoToken(r, kind)
	d.about, d.Pending = about, pending
	if about {
		why.add("The answer is about the auto-auth token: the token and its accessor are removed from it.")
	} else {
		why.add("The answer is cleaned of the auto-auth token wherever it appears.")
	}
	if about && !pending && len(r.Header[wrapTTLKey]) > 0 {
		d.refuse(http.StatusBadRequest, fmt.Sprintf("response wrapping (%s) is refused for %s with the proxy's auto-auth token: the wrapped answer would hold the auto-auth token; send the request without %s",
			HeaderWrapTTL, r.URL.Path, HeaderWrapTTL))
		d.Reason = "The wrapped answer would hold the auto-auth token, out of the sanitiser's reach."
		return false
	}
	return true
}

// consistency adds the headers of enforce_consistency = "always" (hashicorp/vault
// command/agentproxyshared/cache/api_proxy.go) to a request that carries none of its own.
func consistency(d *Decision, ru *Rules, r Request, why *reasons) {
	if ru.enforceConsistency != compile.ConsistencyAlways {
		return
	}
	if CarriesConsistency(r.Header) {
		why.add("Consistency: the request's own consistency headers go as sent.")
		return
	}
	d.setHeader(HeaderIndex, IndexStatesValue)
	switch ru.whenInconsistent {
	case compile.WhenInconsistentForward:
		d.setHeader(HeaderInconsistent, "forward-active-node")
		why.add("Consistency: the X-Vault-Index states seen are added, and a node behind them forwards to the active node.")
	case compile.WhenInconsistentRetry:
		why.add("Consistency: the X-Vault-Index states seen are added; a 412 is retried like a 5xx.")
	default:
		why.add("Consistency: the X-Vault-Index states seen are added; a 412 goes back to the client.")
	}
}

// cache decides whether the answer may come from or go into the cache (runtime/cache).
func cache(d *Decision, ru *Rules, r Request, why *reasons) {
	if !ru.hasCache {
		return
	}
	op := ClassifyPath(r.URL.Path)
	switch {
	case op.Kind.Revocation():
		why.add("Cache: not cached; when Vault accepts the revocation, the cache evicts what it revoked.")
		return
	case op.Kind == PathNever:
		why.add("Cache: never cached (a renewal, response wrapping, or outside /v1/).")
		return
	case !LeaseCacheable(r.Method, r.Header):
		why.add("Cache: not cached (only GET, POST and PUT without X-Vault-Wrap-TTL are).")
		return
	}
	tok := VaultToken(r.Header)
	if d.Token == TokenAutoAuth {
		tok = AutoAuthTokenValue
	}
	dynamic := ru.cacheDynamic
	if _, _, static := StaticRead(r.Method, r.URL, tok); static && ru.cacheStatic {
		d.Cache = CacheStatic
		why.add("Cache: a KV read is served from the static secret cache to every token Vault let read it.")
		if dynamic {
			why.add("An answer with a lease is cached as a lease.")
		}
		return
	}
	if dynamic {
		d.Cache = CacheLease
		why.add("Cache: an answer with a lease or a token is cached for this exact request.")
		if d.Token == TokenClient {
			// The cache stores only what a token it knows created (its parent must be cached, as in
			// Vault Proxy's lease cache): the request's own token is not known from here.
			why.add("Only when the client's token is one the cache knows (a token created through this proxy); an answer to another token, a root token say, is forwarded and not stored.")
		}
		return
	}
	why.add("Cache: not cached (disable_caching_dynamic_secrets).")
}

// retries decides whether a failure is retried: idempotent requests only, num_retries times.
func retries(d *Decision, ru *Rules, r Request, why *reasons) {
	n := ru.numRetries
	switch {
	case n <= 0:
		why.add("Retries: none (num_retries).")
	case !IdempotentMethod(r.Method):
		if why.on {
			why.add("Retries: none, Vault may have applied a " + r.Method + ".")
		}
	default:
		d.Retry = true
		if why.on {
			why.add("Retries: up to " + plural(n, "time", "times") + " after a connection error, 429 or 5xx.")
		}
	}
}
