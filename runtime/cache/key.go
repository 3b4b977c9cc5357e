package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vaultproxy/vaultproxy/request"
)

// Header names the cache reads or writes.
const (
	headerToken     = "X-Vault-Token"
	headerNamespace = "X-Vault-Namespace"
	headerWrapTTL   = "X-Vault-Wrap-Ttl" // canonical form of X-Vault-Wrap-TTL
	headerAuthz     = "Authorization"
	headerCache     = "X-Cache"
	headerAge       = "Age"
)

// keyExcludedHeaders are the request headers (canonical names) left out of the cache key because
// they never change what Vault answers: transport and negotiation headers, tracing, forwarding
// information, and the consistency headers X-Vault-Index, X-Vault-Forward and X-Vault-Inconsistent
// (the proxy's consistency layer sets them per request). X-Vault-Token and X-Vault-Namespace are
// keyed separately (the namespace in canonical form). Every other header is part of the key, so an
// unknown header can only cause a miss, never a wrong hit. X-Forwarded-For is keyed: a Vault
// listener with x_forwarded_for_authorized_addrs takes the client address from it, and that
// address decides CIDR-bound logins and tokens (secret_id_bound_cidrs, token_bound_cidrs), so a
// login cached for one address must not answer another.
var keyExcludedHeaders = map[string]bool{
	"Accept":               true,
	"Accept-Encoding":      true,
	"Accept-Language":      true,
	"Cache-Control":        true,
	"Connection":           true,
	"Content-Length":       true,
	"Date":                 true,
	"Forwarded":            true,
	"Keep-Alive":           true,
	"Pragma":               true,
	"Proxy-Authorization":  true,
	"Proxy-Connection":     true,
	"Te":                   true,
	"Traceparent":          true,
	"Tracestate":           true,
	"Trailer":              true,
	"Transfer-Encoding":    true,
	"Upgrade":              true,
	"User-Agent":           true,
	"Via":                  true,
	"X-Forwarded-Host":     true,
	"X-Forwarded-Proto":    true,
	"X-Real-Ip":            true,
	"X-Request-Id":         true,
	"X-Vault-Forward":      true,
	"X-Vault-Inconsistent": true,
	"X-Vault-Index":        true,
	"X-Vault-Namespace":    true, // keyed in canonical form
	"X-Vault-Request":      true,
	"X-Vault-Token":        true, // keyed separately
}

// cacheKey identifies one cached response.
type cacheKey [sha256.Size]byte

// computeKey hashes what decides Vault's answer: method, escaped path, the full raw query, the
// canonical namespace, the X-Vault-Token header, every header not in keyExcludedHeaders (which
// includes Authorization), and the body. Every field is length-prefixed, so no two different
// requests hash the same input. The hashed bytes are keySource.sum's; they are what a persisted
// entry's key was computed from, so they must not change.
func computeKey(req *http.Request, body []byte) cacheKey {
	s := keySource{
		method:      req.Method,
		escapedPath: req.URL.EscapedPath(),
		rawQuery:    req.URL.RawQuery,
		namespace:   req.Header.Get(headerNamespace),
		token:       req.Header.Get(headerToken),
		header:      req.Header,
		body:        body,
	}
	return s.sum()
}

// keySource is what a key is computed from: a request as Vault receives it. header may be the
// client's, with drop naming (canonically) the headers the proxy removes before Vault sees them.
type keySource struct {
	method, escapedPath, rawQuery string
	namespace, token              string // as sent, the namespace in any form
	header                        http.Header
	drop                          []string
	body                          []byte
}

// keyBuf is the size of the buffer, on the stack, the hashed input of a common request is assembled
// in; a larger input grows it on the heap.
const keyBuf = 512

// smallBody is the largest body copied into the assembled input; a larger one is hashed after it
// in a stream (the same bytes either way).
const smallBody = 4 << 10

// sum is the key: the fields assembled in one buffer and hashed, without allocating for the
// common request.
func (s *keySource) sum() cacheKey {
	var buf [keyBuf]byte
	b := appendField(buf[:0], s.method)
	b = appendField(b, s.escapedPath)
	b = appendField(b, s.rawQuery)
	b = appendNamespaceField(b, s.namespace)
	b = appendField(b, s.token)
	b = appendHeaders(b, s.header, s.drop)
	b = binary.AppendUvarint(b, uint64(len(s.body)))
	var k cacheKey
	if len(s.body) <= smallBody {
		b = append(b, s.body...)
		k = sha256.Sum256(b)
	} else {
		h := sha256.New()
		h.Write(b)
		h.Write(s.body)
		h.Sum(k[:0])
	}
	return k
}

func appendField(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendCountField is appendField of n in decimal (strconv.Itoa's digits).
func appendCountField(b []byte, n int) []byte {
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], int64(n), 10)
	b = binary.AppendUvarint(b, uint64(len(d)))
	return append(b, d...)
}

// appendNamespaceField is appendField of canonicalNamespace(ns).
func appendNamespaceField(b []byte, ns string) []byte {
	if isCanonicalNamespace(ns) {
		return appendField(b, ns)
	}
	return appendField(b, canonicalNamespace(ns))
}

// maxSortedHeaders is how many keyed header names are sorted on the stack.
const maxSortedHeaders = 32

// appendHeaders appends the keyed headers (not excluded, not dropped) in name order: their count,
// then each canonical name, its number of values and the values; one empty field when none.
func appendHeaders(b []byte, hdr http.Header, drop []string) []byte {
	// Sorted by the map's own names, each written in canonical form: names come canonical from the
	// wire, and the order is that of the key bytes persisted entries were stored under.
	type keyed struct{ name, canon string }
	var arr [maxSortedHeaders]keyed
	names := arr[:0]
	for name := range hdr {
		canon := http.CanonicalHeaderKey(name) // name itself, without a copy, when canonical
		if !keyExcludedHeaders[canon] && !slices.Contains(drop, canon) {
			names = append(names, keyed{name, canon})
		}
	}
	if len(names) == 0 {
		return appendField(b, "")
	}
	slices.SortFunc(names, func(x, y keyed) int { return strings.Compare(x.name, y.name) })
	b = appendCountField(b, len(names))
	for _, n := range names {
		b = appendField(b, n.canon)
		vals := hdr[n.name]
		b = appendCountField(b, len(vals))
		for _, v := range vals {
			b = appendField(b, v)
		}
	}
	return b
}

// isCanonicalNamespace reports ns already in canonicalNamespace's form: "" or "a/b/", no empty
// segment, no surrounding space.
func isCanonicalNamespace(ns string) bool {
	if ns == "" {
		return true
	}
	if ns[0] == '/' || ns[len(ns)-1] != '/' || strings.Contains(ns, "//") {
		return false
	}
	first := ns[0]
	return first > ' ' && first < utf8.RuneSelf // a space or a multi-byte rune may be trimmed
}

// canonicalNamespace returns ns as "a/b/" with empty segments and surrounding space removed, or ""
// for the root namespace. "ns1", "/ns1" and "ns1/" are all "ns1/".
func canonicalNamespace(ns string) string {
	ns = strings.TrimSpace(ns)
	if ns == "" {
		return ""
	}
	var b strings.Builder
	for seg := range strings.SplitSeq(ns, "/") {
		if seg != "" {
			b.WriteString(seg)
			b.WriteByte('/')
		}
	}
	return b.String()
}

// requestToken is the token Vault authenticates the request with (request.VaultToken).
func requestToken(h http.Header) string { return request.VaultToken(h) }

// opKind is what a request path means to the cache (request.PathKind).
type opKind = request.PathKind

const (
	opOther          = request.PathOther          // may be cached, if the method and the answer allow
	opNever          = request.PathNever          // never cached, forwarded untouched (renewals, response wrapping)
	opRevokeToken    = request.PathRevokeToken    // auth/token/revoke, body "token"
	opRevokeSelf     = request.PathRevokeSelf     // auth/token/revoke-self, the request token
	opRevokeAccessor = request.PathRevokeAccessor // auth/token/revoke-accessor, body "accessor"
	opRevokeOrphan   = request.PathRevokeOrphan   // auth/token/revoke-orphan, body "token"
	opRevokeLease    = request.PathRevokeLease    // sys/leases/revoke, body "lease_id" or the URL suffix
	opRevokePrefix   = request.PathRevokePrefix   // sys/leases/revoke-prefix/<p> and revoke-force/<p>
)

// pathOp is the classification of one request path (request.PathOp).
type pathOp struct {
	kind opKind
	// arg is the URL argument of sys/leases/revoke/<id> and revoke-prefix/<p> (no leading slash).
	arg string
	// namespace is the namespace written in the path before the matched operation ("ns1/"), for
	// paths that matched a known operation or an auth/ path.
	namespace string
	// apiPath is the path without /v1/ and without the path namespace, e.g. "auth/token/create".
	apiPath string
}

// classify reads a request path ("/v1/ns1/auth/token/revoke") with request.ClassifyPath, the
// classification the request model reports from.
func classify(urlPath string) pathOp {
	o := request.ClassifyPath(urlPath)
	return pathOp{kind: o.Kind, arg: o.Arg, namespace: o.Namespace, apiPath: o.APIPath}
}

// joinNamespace appends a path namespace to a header namespace, both canonical.
func joinNamespace(header, inPath string) string {
	return canonicalNamespace(header + "/" + inPath)
}
