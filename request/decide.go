package request

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/vaultproxy/vaultproxy/compile"
)

// Header names the decision reads or changes.
const (
	HeaderToken        = "X-Vault-Token"
	HeaderNamespace    = "X-Vault-Namespace"
	HeaderRequest      = "X-Vault-Request"
	HeaderWrapTTL      = "X-Vault-Wrap-TTL"
	HeaderIndex        = "X-Vault-Index"
	HeaderForward      = "X-Vault-Forward"
	HeaderInconsistent = "X-Vault-Inconsistent"
)

// first is h.Get(key) for a key in canonical form (every Header* constant but HeaderWrapTTL): the
// map is read directly, without canonicalising the key again on every request.
func first(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// wrapTTLKey is HeaderWrapTTL as net/http stores it (textproto.CanonicalMIMEHeaderKey): looked up
// in a Header map directly, it costs no canonicalisation per request.
const wrapTTLKey = "X-Vault-Wrap-Ttl"

// Decide is what the proxy does with r, come to listener l of plan p. The rules, in the order the
// proxy applies them:
//
//  1. a request that is not the shape of a Vault API request is refused (shape.go: 505, 405, 400);
//  2. with require_request_header, one without exactly one `X-Vault-Request: true` gets 412;
//  3. /proxy/v1/metrics and /proxy/v1/ready are answered on every listener; a metrics_only listener
//     answers 404 to anything else; /proxy/v1/quit and /proxy/v1/cache-clear are answered by the
//     proxy (endpoint.go);
//  4. everything else is forwarded to Vault (forward.go): the namespace (400 for an escape), the
//     token, the response wrapping refused on the auto-auth token (400), the consistency headers,
//     the cache and the retries.
func Decide(p *compile.Plan, l compile.Listener, r Request) Decision {
	ru := rulesOf(p, &l)
	return decide(&ru, r, true)
}

// DecideQuiet is Decide for the proxy's request path, which never shows a forwarded request's
// Reason: the same rules and the same decision, except that a forwarded request's Reason is left
// empty and Headers.Set is nil when nothing is set, so that deciding costs no sentences and no map.
// A refusal or an endpoint keeps its Reason (the proxy logs it). Headers.Set may be shared between
// decisions: it is read-only.
func DecideQuiet(p *compile.Plan, l compile.Listener, r Request) Decision {
	ru := rulesOf(p, &l)
	return decide(&ru, r, false)
}

func decide(ru *Rules, r Request, withReasons bool) Decision {
	d := Decision{
		Listener: ru.listener,
		Token:    TokenNone,
		Cache:    CacheNone,
		Headers:  Headers{Remove: []string{}},
		quiet:    !withReasons,
	}
	if withReasons {
		d.Headers.Set = map[string]string{}
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	switch {
	case refuseShape(&d, r):
	case ru.requireRequestHeader && !HasRequestHeader(r.Header):
		d.refuse(http.StatusPreconditionFailed, `missing "X-Vault-Request" header`)
		d.Reason = "require_request_header is on: every request needs exactly one `X-Vault-Request: true` header."
	case endpoint(&d, ru, r):
	default:
		why := reasons{on: withReasons}
		if withReasons {
			why.list = make([]string, 0, 6)
		}
		forward(&d, ru, r, &why)
	}
	slices.Sort(d.Headers.Remove)
	return d
}

// reasons collects a forwarded request's Reason, sentence by sentence, when on.
type reasons struct {
	on   bool
	list []string
}

func (w *reasons) add(s string) {
	if w.on {
		w.list = append(w.list, s)
	}
}

// autoAuthTokenSet is the Headers.Set of most requests made with the auto-auth token, shared by
// DecideQuiet's decisions (read-only, copied before any other header is set).
var autoAuthTokenSet = map[string]string{HeaderToken: AutoAuthTokenValue}

// setHeader records that Vault receives v as header name.
func (d *Decision) setHeader(name, v string) {
	switch {
	case d.Headers.Set == nil && d.quiet && name == HeaderToken && v == AutoAuthTokenValue:
		d.Headers.Set, d.sharedSet = autoAuthTokenSet, true
		return
	case d.Headers.Set == nil:
		d.Headers.Set = make(map[string]string, 2)
	case d.sharedSet:
		d.Headers.Set, d.sharedSet = maps.Clone(d.Headers.Set), false
	}
	d.Headers.Set[name] = v
}

// refuse makes d the proxy's own answer status with a JSON errors body; nothing of the request goes
// to Vault.
func (d *Decision) refuse(status int, errs ...string) {
	d.Token, d.Namespace, d.Cache, d.Retry, d.Sanitize = TokenNone, "", CacheNone, false, false
	d.Headers, d.sharedSet = Headers{Set: map[string]string{}, Remove: []string{}}, false
	d.Status = status
	d.Errors = errs
	if d.Errors == nil {
		d.Errors = []string{}
	}
}

// HasRequestHeader reports exactly one X-Vault-Request header whose value is exactly "true".
func HasRequestHeader(h http.Header) bool {
	v := h[HeaderRequest]
	return len(v) == 1 && strings.TrimSpace(v[0]) == "true"
}

// IdempotentMethod reports a method whose request may be sent again after a failure: Vault may have
// applied any other (hashicorp/vault api/client.go retries only these).
func IdempotentMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, "LIST":
		return true
	}
	return false
}

// CarriesConsistency reports a request that carries a consistency header of its own, which
// enforce_consistency leaves alone.
func CarriesConsistency(h http.Header) bool {
	return first(h, HeaderIndex) != "" || first(h, HeaderForward) != "" || first(h, HeaderInconsistent) != ""
}

// VaultToken is the token Vault authenticates a request with, read as Vault's getTokenFromReq
// (hashicorp/vault http/handler.go) does: X-Vault-Token, or, when that is empty, the first
// Authorization value that starts with exactly "Bearer " (case-sensitive: Vault ignores "bearer x",
// which may be meant for a plugin), trimmed of spaces.
func VaultToken(h http.Header) string {
	if t := first(h, HeaderToken); t != "" {
		return t
	}
	for _, a := range h["Authorization"] {
		if rest, ok := strings.CutPrefix(a, "Bearer "); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
