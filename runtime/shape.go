package runtime

import (
	"net/http"
	"slices"
	"strings"
)

// vaultMethods are the methods Vault's API answers (hashicorp/vault http/logical.go maps GET, LIST,
// POST, PUT, PATCH, DELETE and HEAD to operations and refuses the others with 405; OPTIONS is its
// CORS preflight).
var vaultMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "LIST", "OPTIONS"}

// refuseShape answers, and returns true for, a request that is not the shape of a Vault API request,
// so that it never reaches Vault nor the proxy's endpoints: CONNECT and every method Vault does not
// serve (405 with Allow), the HTTP/2 connection preface sent as an HTTP/1 request (505: HTTP/2 is
// served over TLS only), a request target that is not a path (400: an absolute URI, as sent to a
// forward proxy, or "*"; net/http answers OPTIONS * itself).
//
// An HTTP/1.0 request without Content-Length is answered on a connection that is closed afterwards:
// net/http ignores Transfer-Encoding on HTTP/1.0 (golang/go#12785), so a chunked body sent that way
// would otherwise be read as the next request on a keep-alive connection, which is how requests are
// smuggled past whatever sits in front of the proxy.
func refuseShape(w http.ResponseWriter, r *http.Request) bool {
	if !r.ProtoAtLeast(1, 1) && r.Header.Get("Content-Length") == "" {
		w.Header().Set("Connection", "close")
	}
	switch {
	case r.Method == "PRI" && r.ProtoMajor == 2:
		writeErrors(w, http.StatusHTTPVersionNotSupported, "HTTP/2 without TLS (h2c) is not served: use HTTP/1.1, or HTTP/2 on a TLS listener")
	case !slices.Contains(vaultMethods, r.Method):
		w.Header().Set("Allow", strings.Join(vaultMethods, ", "))
		writeErrors(w, http.StatusMethodNotAllowed, "method "+r.Method+" is not a Vault API method; vaultproxy is Vault's API proxy, not a forward proxy")
	case r.URL.IsAbs() || r.URL.Host != "" || !strings.HasPrefix(r.URL.Path, "/"):
		writeErrors(w, http.StatusBadRequest, "the request target must be a path (origin-form, such as /v1/sys/health); vaultproxy is Vault's API proxy, not a forward proxy")
	default:
		return false
	}
	return true
}
