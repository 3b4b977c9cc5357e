package request

import (
	"fmt"
	"net/http"
)

// endpoint decides, and returns true for, a request to one of the proxy's own endpoints, as Vault
// Proxy routes them (hashicorp/vault command/proxy.go), plus /proxy/v1/ready: metrics and ready on
// every listener; on default-role listeners also quit (when enable_quit) and cache-clear; a
// metrics_only listener answers 404 to everything else. A refusal with no Errors has no JSON body
// (a 404 is net/http's, as Vault Proxy's mux answers).
func endpoint(d *Decision, ru *Rules, r Request) bool {
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch path := r.URL.Path; {
	case path == MetricsPath:
		d.Endpoint = EndpointMetrics
		if !get {
			d.refuse(http.StatusMethodNotAllowed)
			d.Allow = "GET"
			d.Reason = "The metrics endpoint answers GET only."
			return true
		}
		d.Status, d.Reason = http.StatusOK, "The proxy answers with its metrics in Prometheus text format."
	case path == ReadyPath:
		d.Endpoint = EndpointReady
		if !get {
			d.refuse(http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s: use GET", r.Method, ReadyPath))
			d.Allow = "GET, HEAD"
			d.Reason = "The readiness endpoint answers GET and HEAD only."
			return true
		}
		d.Status, d.Reason = http.StatusOK, "The proxy answers its readiness itself: 200 when ready, else 503."
	case ru.metricsOnly:
		d.Status = http.StatusNotFound
		d.Reason = "A metrics_only listener serves /proxy/v1/metrics and /proxy/v1/ready only."
	case path == QuitPath:
		switch {
		case !ru.enableQuit:
			d.Status, d.Reason = http.StatusNotFound, "enable_quit is off on this listener: /proxy/v1/quit is not served."
		case r.Method != http.MethodPost:
			d.Endpoint, d.Status, d.Allow = EndpointQuit, http.StatusMethodNotAllowed, "POST"
			d.Reason = "The quit endpoint answers POST only."
		default:
			d.Endpoint, d.Status, d.Reason = EndpointQuit, http.StatusOK, "The proxy shuts down (enable_quit)."
		}
	case path == CacheClearPath:
		d.Endpoint = EndpointCacheClear
		if !ru.hasCache {
			// Vault Proxy answers 200 with an empty body and does nothing; so do we.
			d.Status, d.Reason = http.StatusOK, "There is no cache block: the proxy answers 200 and clears nothing."
			return true
		}
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			d.refuse(http.StatusMethodNotAllowed, "method not allowed: use POST")
			d.Allow = "POST, PUT"
			d.Reason = "The cache-clear endpoint answers POST and PUT only."
			return true
		}
		d.Status, d.Reason = http.StatusOK, "The cache evicts the entries the body names (400 for a body it cannot read)."
	default:
		return false
	}
	return true
}
