package request

import (
	"net/http"
	"slices"
	"strings"
)

// VaultMethods are the methods Vault's API answers (hashicorp/vault http/logical.go maps GET, LIST,
// POST, PUT, PATCH, DELETE and HEAD to operations and refuses the others with 405; OPTIONS is its
// CORS preflight).
var VaultMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "LIST", "OPTIONS"}

// refuseShape refuses, and returns true for, a request that is not the shape of a Vault API request,
// so that it never reaches Vault nor the proxy's endpoints: CONNECT and every method Vault does not
// serve (405 with Allow), the HTTP/2 connection preface sent as an HTTP/1 request (505: HTTP/2 is
// served over TLS only), a request target that is not a path (400: an absolute URI, as sent to a
// forward proxy, or "*").
func refuseShape(d *Decision, r Request) bool {
	switch {
	case r.Method == "PRI" && r.ProtoMajor == 2:
		d.refuse(http.StatusHTTPVersionNotSupported, "HTTP/2 without TLS (h2c) is not served: use HTTP/1.1, or HTTP/2 on a TLS listener")
	case !slices.Contains(VaultMethods, r.Method):
		d.refuse(http.StatusMethodNotAllowed, "method "+r.Method+" is not a Vault API method; vaultproxy is Vault's API proxy, not a forward proxy")
		d.Allow = strings.Join(VaultMethods, ", ")
	case r.URL == nil || r.URL.IsAbs() || r.URL.Host != "" || !strings.HasPrefix(r.URL.Path, "/"):
		d.refuse(http.StatusBadRequest, "the request target must be a path (origin-form, such as /v1/sys/health); vaultproxy is Vault's API proxy, not a forward proxy")
	default:
		return false
	}
	d.Reason = "Not the shape of a Vault API request: refused before routing."
	return true
}
