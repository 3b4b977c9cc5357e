package runtime

import (
	"net/http"
)

// closeUnframed closes, after its answer, the connection of an HTTP/1.0 request without
// Content-Length: net/http ignores Transfer-Encoding on HTTP/1.0 (golang/go#12785), so a chunked
// body sent that way would otherwise be read as the next request on a keep-alive connection, which
// is how requests are smuggled past whatever sits in front of the proxy. Which requests are refused
// for their shape (method, target, h2c preface) request.Decide says.
func closeUnframed(w http.ResponseWriter, r *http.Request) {
	if !r.ProtoAtLeast(1, 1) && r.Header.Get("Content-Length") == "" {
		w.Header().Set("Connection", "close")
	}
}
