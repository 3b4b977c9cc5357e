package runtime

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vaultproxy/vaultproxy/request"
	"github.com/vaultproxy/vaultproxy/runtime/cache"
)

// The cache hit fast path (issue 12). A request the cache may answer is looked up as soon as its
// body is read and its token chosen (cache.Cache.Lookup, with the key of the request Vault would
// receive), and a hit is written from the entry at once: no request clone, no reverse proxy, no
// header clone. The answer is byte for byte the one the reverse proxy path gives: the entry's
// headers as that path leaves them, Age, the lease's time left, X-Cache: HIT, and the auto-auth
// token sanitised out of token lookups. Whatever is not a plain hit (a miss, staleOnly requests,
// static secrets, an entry waiting for its check after a restore, requests whose Connection header
// names headers to drop) takes the reverse proxy path, unchanged.

// hitPath is the cache whose hits the proxy answers itself.
type hitPath struct{ c *cache.Cache }

// hitCache is the hit path of cr's cache, unless requests to Vault are addressed below a path or
// with a query of Vault's address (the request Vault receives then differs from the client's, and
// the key with it); nil without a cache.
func hitCache(cr *cacheRun, target *url.URL) *hitPath {
	if cr == nil || target.RawQuery != "" || target.RawPath != "" || (target.Path != "" && target.Path != "/") {
		return nil
	}
	return &hitPath{c: cr.c}
}

// heapInfo is info on the heap, for the reverse proxy's hooks (reqInfoKey): a request answered by
// serveHit leaves it on the stack.
func heapInfo(info reqInfo) *reqInfo { return &info }

// smallAnswer is the largest answer written without the stall writer's deadline: net/http buffers
// a handler's first 2 KiB (its bufferBeforeChunkingSize), so such an answer is sent after the
// handler returns, when the deadline the stall writer sets is already cleared.
const smallAnswer = 2 << 10

// serveHit answers r from the cache when it is a hit and reports whether it did. info carries the
// token chosen and d the decision; body is the request body, read whole.
func (px *proxy) serveHit(w http.ResponseWriter, r *http.Request, info *reqInfo, body []byte) bool {
	d := &info.decision
	if px.hits == nil || d.Cache == request.CacheNone || info.staleOnly || !plainConnection(r.Header) {
		return false
	}
	hr := cache.HitRequest{
		Method: r.Method, Path: r.URL.Path, EscapedPath: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		Namespace: firstValue(r.Header, request.HeaderNamespace), Token: info.token,
		Header: r.Header, Drop: d.Headers.Remove, Body: body,
	}
	// The headers the decision sets, as applyHeaders sets them; one it does not know of here would
	// change the key in a way this path cannot see.
	for name, v := range d.Headers.Set {
		switch name {
		case request.HeaderIndex, request.HeaderInconsistent:
		case request.HeaderToken:
			hr.Token = v
			if v == request.AutoAuthTokenValue {
				hr.Token = info.token
			}
		case request.HeaderNamespace:
			hr.Namespace = v
		default:
			return false
		}
	}
	hit := px.hits.c.Lookup(&hr)
	if hit == nil {
		return false
	}
	answer, contentLength := hit.Body, hit.ContentLength
	if info.autoAuth && hit.Status == http.StatusOK && d.Sanitize {
		out, err := sanitizeTokenBody(answer, info.token, d.AboutAutoAuthToken())
		if err != nil {
			err = fmt.Errorf("%w: %w", errNotSanitised, err)
			px.log.Error("token response not sanitised", "path", r.URL.Path, "err", err)
			writeErrors(w, http.StatusBadGateway, err.Error())
			return true
		}
		// As sanitizeTokenResponse: the length of what is sent, always.
		answer, contentLength = out, []string{strconv.Itoa(len(out))}
	}
	h := w.Header()
	for k, v := range hit.Header {
		h[k] = v
	}
	if hit.Age != nil {
		h["Age"] = hit.Age
	}
	if contentLength != nil {
		h["Content-Length"] = contentLength
	}
	w.WriteHeader(hit.Status)
	if len(answer) > smallAnswer {
		sw := newStallWriter(w, px.limits.WriteStallTimeout)
		_, _ = sw.Write(answer)
		sw.done()
		return true
	}
	_, _ = w.Write(answer)
	return true
}

// plainConnection reports a request whose Connection header, if any, names no header to remove
// (only keep-alive or close): the reverse proxy would remove the headers it names before Vault sees
// them, and an upgrade is never a hit.
func plainConnection(h http.Header) bool {
	for _, v := range h["Connection"] {
		for f := range strings.SplitSeq(v, ",") {
			f = strings.TrimSpace(f)
			if f != "" && !strings.EqualFold(f, "keep-alive") && !strings.EqualFold(f, "close") {
				return false
			}
		}
	}
	return true
}

// firstValue is h.Get(key) for a key in canonical form, without canonicalising it again.
func firstValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}
