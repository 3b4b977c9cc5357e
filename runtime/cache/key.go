package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"net/http"
	"slices"
	"strconv"
	"strings"

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
// unknown header can only cause a miss, never a wrong hit.
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
	"X-Forwarded-For":      true,
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
// requests hash the same input.
func computeKey(req *http.Request, body []byte) cacheKey {
	h := sha256.New()
	var scratch [binary.MaxVarintLen64]byte
	field := func(s string) {
		n := binary.PutUvarint(scratch[:], uint64(len(s)))
		h.Write(scratch[:n])
		h.Write([]byte(s))
	}
	field(req.Method)
	field(req.URL.EscapedPath())
	field(req.URL.RawQuery)
	field(canonicalNamespace(req.Header.Get(headerNamespace)))
	field(req.Header.Get(headerToken))
	writeHeaders(h, req.Header, field)
	n := binary.PutUvarint(scratch[:], uint64(len(body)))
	h.Write(scratch[:n])
	h.Write(body)
	var k cacheKey
	h.Sum(k[:0])
	return k
}

// writeHeaders feeds the keyed headers to h in name order.
func writeHeaders(h hash.Hash, hdr http.Header, field func(string)) {
	var names []string
	for name := range hdr {
		if !keyExcludedHeaders[http.CanonicalHeaderKey(name)] {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		field("")
		return
	}
	slices.Sort(names)
	field(strconv.Itoa(len(names)))
	for _, name := range names {
		field(http.CanonicalHeaderKey(name))
		vals := hdr[name]
		field(strconv.Itoa(len(vals)))
		for _, v := range vals {
			field(v)
		}
	}
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
