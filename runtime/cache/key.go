package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"net/http"
	"slices"
	"strconv"
	"strings"
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

// requestToken is the token Vault authenticates the request with, read as Vault's
// getTokenFromReq does: X-Vault-Token, or, when that is empty, the first Authorization value that
// starts with exactly "Bearer " (case-sensitive: Vault ignores "bearer x", which may be meant for
// a plugin), trimmed of spaces.
func requestToken(h http.Header) string {
	if t := h.Get(headerToken); t != "" {
		return t
	}
	for _, a := range h.Values(headerAuthz) {
		if rest, ok := strings.CutPrefix(a, "Bearer "); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

// opKind is what a request path means to the cache.
type opKind uint8

const (
	opOther          opKind = iota // may be cached, if the method and the answer allow
	opNever                        // never cached, forwarded untouched (renewals, response wrapping)
	opRevokeToken                  // auth/token/revoke, body "token"
	opRevokeSelf                   // auth/token/revoke-self, the request token
	opRevokeAccessor               // auth/token/revoke-accessor, body "accessor"
	opRevokeOrphan                 // auth/token/revoke-orphan, body "token"
	opRevokeLease                  // sys/leases/revoke, body "lease_id" or the URL suffix
	opRevokePrefix                 // sys/leases/revoke-prefix/<p> and revoke-force/<p>
)

// pathOp is the classification of one request path.
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

// exactOps are operations whose path has no argument.
var exactOps = map[string]opKind{
	"auth/token/revoke":          opRevokeToken,
	"auth/token/revoke-self":     opRevokeSelf,
	"auth/token/revoke-accessor": opRevokeAccessor,
	"auth/token/revoke-orphan":   opRevokeOrphan,
	"sys/leases/revoke":          opRevokeLease,
	"sys/revoke":                 opRevokeLease,
	"auth/token/renew":           opNever,
	"auth/token/renew-self":      opNever,
	"auth/token/renew-accessor":  opNever,
	"sys/leases/renew":           opNever,
	"sys/renew":                  opNever,
}

// prefixOps are operations followed by "/<argument>".
var prefixOps = []struct {
	prefix string
	kind   opKind
}{
	{"sys/leases/revoke-prefix/", opRevokePrefix},
	{"sys/leases/revoke-force/", opRevokePrefix},
	{"sys/revoke-prefix/", opRevokePrefix},
	{"sys/revoke-force/", opRevokePrefix},
	{"sys/leases/revoke/", opRevokeLease},
	{"sys/revoke/", opRevokeLease},
	{"sys/leases/renew/", opNever},
	{"sys/renew/", opNever},
	{"auth/token/renew/", opNever},
	{"sys/wrapping/", opNever},
}

// classify reads a request path ("/v1/ns1/auth/token/revoke"). A namespace may precede the
// operation in the path; the shortest such namespace wins. Paths outside /v1/ are opNever.
func classify(urlPath string) pathOp {
	rest, ok := strings.CutPrefix(urlPath, "/v1/")
	if !ok {
		return pathOp{kind: opNever}
	}
	rest = strings.TrimLeft(rest, "/")
	for start := 0; start <= len(rest); {
		sub := rest[start:]
		if k, ok := exactOps[strings.TrimRight(sub, "/")]; ok {
			return pathOp{kind: k, namespace: canonicalNamespace(rest[:start]), apiPath: sub}
		}
		for _, p := range prefixOps {
			if arg, ok := strings.CutPrefix(sub, p.prefix); ok {
				return pathOp{kind: p.kind, arg: strings.TrimLeft(arg, "/"),
					namespace: canonicalNamespace(rest[:start]), apiPath: sub}
			}
		}
		if strings.HasPrefix(sub, "auth/") {
			// A login or token creation: what precedes auth/ is the path namespace.
			return pathOp{kind: opOther, namespace: canonicalNamespace(rest[:start]), apiPath: sub}
		}
		i := strings.IndexByte(sub, '/')
		if i < 0 {
			break
		}
		start += i + 1
	}
	return pathOp{kind: opOther, apiPath: rest}
}

// joinNamespace appends a path namespace to a header namespace, both canonical.
func joinNamespace(header, inPath string) string {
	return canonicalNamespace(header + "/" + inPath)
}
