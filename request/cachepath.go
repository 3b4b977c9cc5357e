package request

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vaultproxy/vaultproxy/compile"
)

// PathKind is what a request path means to the cache.
type PathKind uint8

const (
	PathOther          PathKind = iota // may be cached, if the method and the answer allow
	PathNever                          // never cached, forwarded untouched (renewals, response wrapping)
	PathRevokeToken                    // auth/token/revoke, body "token"
	PathRevokeSelf                     // auth/token/revoke-self, the request token
	PathRevokeAccessor                 // auth/token/revoke-accessor, body "accessor"
	PathRevokeOrphan                   // auth/token/revoke-orphan, body "token"
	PathRevokeLease                    // sys/leases/revoke, body "lease_id" or the URL suffix
	PathRevokePrefix                   // sys/leases/revoke-prefix/<p> and revoke-force/<p>
)

// Revocation reports a kind after which the cache evicts what was revoked.
func (k PathKind) Revocation() bool { return k >= PathRevokeToken }

// PathOp is the classification of one request path.
type PathOp struct {
	Kind PathKind
	// Arg is the URL argument of sys/leases/revoke/<id> and revoke-prefix/<p> (no leading slash).
	Arg string
	// Namespace is the namespace written in the path before the matched operation ("ns1/"), for
	// paths that matched a known operation or an auth/ path.
	Namespace string
	// APIPath is the path without /v1/ and without the path namespace, e.g. "auth/token/create".
	APIPath string
}

// exactOps are operations whose path has no argument.
var exactOps = map[string]PathKind{
	"auth/token/revoke":          PathRevokeToken,
	"auth/token/revoke-self":     PathRevokeSelf,
	"auth/token/revoke-accessor": PathRevokeAccessor,
	"auth/token/revoke-orphan":   PathRevokeOrphan,
	"sys/leases/revoke":          PathRevokeLease,
	"sys/revoke":                 PathRevokeLease,
	"auth/token/renew":           PathNever,
	"auth/token/renew-self":      PathNever,
	"auth/token/renew-accessor":  PathNever,
	"sys/leases/renew":           PathNever,
	"sys/renew":                  PathNever,
}

// prefixOps are operations followed by "/<argument>".
var prefixOps = []struct {
	prefix string
	kind   PathKind
}{
	{"sys/leases/revoke-prefix/", PathRevokePrefix},
	{"sys/leases/revoke-force/", PathRevokePrefix},
	{"sys/revoke-prefix/", PathRevokePrefix},
	{"sys/revoke-force/", PathRevokePrefix},
	{"sys/leases/revoke/", PathRevokeLease},
	{"sys/revoke/", PathRevokeLease},
	{"sys/leases/renew/", PathNever},
	{"sys/renew/", PathNever},
	{"auth/token/renew/", PathNever},
	{"sys/wrapping/", PathNever},
}

// ClassifyPath reads a request path ("/v1/ns1/auth/token/revoke"), as Vault Proxy's lease cache
// does (hashicorp/vault command/agentproxyshared/cache/lease_cache.go). A namespace may precede the
// operation in the path; the shortest such namespace wins. Paths outside /v1/ are PathNever.
func ClassifyPath(urlPath string) PathOp {
	rest, ok := strings.CutPrefix(urlPath, "/v1/")
	if !ok {
		return PathOp{Kind: PathNever}
	}
	rest = strings.TrimLeft(rest, "/")
	for start := 0; start <= len(rest); {
		sub := rest[start:]
		if k, ok := exactOps[strings.TrimRight(sub, "/")]; ok {
			return PathOp{Kind: k, Namespace: compile.CanonicalNamespace(rest[:start]), APIPath: sub}
		}
		for _, p := range prefixOps {
			if arg, ok := strings.CutPrefix(sub, p.prefix); ok {
				return PathOp{Kind: p.kind, Arg: strings.TrimLeft(arg, "/"),
					Namespace: compile.CanonicalNamespace(rest[:start]), APIPath: sub}
			}
		}
		if strings.HasPrefix(sub, "auth/") {
			// A login or token creation: what precedes auth/ is the path namespace.
			return PathOp{Kind: PathOther, Namespace: compile.CanonicalNamespace(rest[:start]), APIPath: sub}
		}
		i := strings.IndexByte(sub, '/')
		if i < 0 {
			break
		}
		start += i + 1
	}
	return PathOp{Kind: PathOther, APIPath: rest}
}

// LeaseCacheable reports a request whose answer the cache may look up or store, given a path of
// kind PathOther: GET, POST or PUT, not asking for response wrapping (a wrapped answer is a
// single-use token, never shared).
func LeaseCacheable(method string, h http.Header) bool {
	return (method == http.MethodGet || method == http.MethodPost || method == http.MethodPut) &&
		(len(h[wrapTTLKey]) == 0 || h[wrapTTLKey][0] == "")
}

// StaticRead reports a request the static secret cache may answer, given a lease-cacheable request
// on a path of kind PathOther: a GET made with a token (the one Vault receives) of a non-empty API
// path, with no query but a single version=N (N >= 1). rel is the path after /v1/; version is 0
// without a query.
func StaticRead(method string, u *url.URL, token string) (rel string, version int, ok bool) {
	if method != http.MethodGet || token == "" {
		return "", 0, false
	}
	rest, isAPI := strings.CutPrefix(u.Path, "/v1/")
	rest = strings.TrimLeft(rest, "/")
	if !isAPI || rest == "" {
		return "", 0, false
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		v := q["version"]
		if err != nil || len(q) != 1 || len(v) != 1 {
			return "", 0, false
		}
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 {
			return "", 0, false
		}
		version = n
	}
	return rest, version, true
}
