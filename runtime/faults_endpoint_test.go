package runtime

import (
	"strings"
	"testing"
	"time"
)

// A request to one of the proxy's own endpoints honours its declared Content-Length as a forwarded
// one does: a body that ends short gets 400, one declared over the cache-clear limit (64 KiB) 413 at
// once, one too slow 408, each in Vault's error shape, and the endpoint does nothing. Cache-clear
// without a cache answered 200 to each, quit shut the proxy down on a body never sent whole, and
// cache-clear with a cache waited for 64 KiB of a body declared larger (408 when it did not come).
// (/agent/v1/cache-clear is not an endpoint of Vault Proxy, hashicorp/vault command/proxy.go: it is
// forwarded, and its body bounded as every forwarded one.)
func TestEndpointBodiesHonoured(t *testing.T) {
	fv := newCacheFakeVault(t)
	withCache := planFrom(t, cachePlanHCL(cacheTokenFile(t), "use_auto_auth_token = true", "cache {}", ""), fv.srv.URL)
	rec := newRecorder(t, nil)
	noCache := planFrom(t, `
vault { address = "{{vault}}" }
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
  proxy_api { enable_quit = true }
}`, rec.srv.URL)
	cases := []struct {
		name       string
		body       string // after the headers' Content-Length
		closeWrite bool
		status     int
		says       string
	}{
		{"short body", "Content-Length: 40\r\n\r\n{\"type\":", true, 400, "ended before its Content-Length (40 bytes)"},
		{"declared too large", "Content-Length: 1048576\r\n\r\n{\"type\":", false, 413, "larger than the limit of 65536 bytes"},
		{"stalled body", "Content-Length: 40\r\n\r\n{\"type\":", false, 408, "timed out reading the request body"},
	}
	for _, plan := range []struct {
		name  string
		s     *started
		paths []string
	}{
		{"with a cache", startPlan(t, withCache, withLimits(Limits{BodyReadTimeout: 300 * time.Millisecond})), []string{"/proxy/v1/cache-clear"}},
		{"without a cache", startPlan(t, noCache, withLimits(Limits{BodyReadTimeout: 300 * time.Millisecond})), []string{"/proxy/v1/cache-clear", "/proxy/v1/quit"}},
	} {
		for _, path := range plan.paths {
			for _, method := range []string{"POST", "PUT"} {
				if path == "/proxy/v1/quit" && method == "PUT" {
					continue
				}
				for _, c := range cases {
					raw := method + " " + path + " HTTP/1.1\r\nHost: proxy\r\n" + c.body
					status, body := rawExchange(t, plan.s.addrs[0], raw, c.closeWrite)
					if status != c.status {
						t.Errorf("%s, %s %s, %s: status %d body %q, want %d", plan.name, method, path, c.name, status, body, c.status)
						continue
					}
					if errs := jsonErrors(t, body); !strings.Contains(errs[0], c.says) {
						t.Errorf("%s, %s %s, %s: errors %q do not say %q", plan.name, method, path, c.name, errs, c.says)
					}
				}
			}
		}
		// Still serving: quit did not act on a body never sent whole.
		if resp, body := do(t, "POST", plan.s.url+"/proxy/v1/cache-clear", nil, `{"type":"all"}`); resp.StatusCode != 200 {
			t.Errorf("%s: a whole cache-clear: status %d body %q", plan.name, resp.StatusCode, body)
		}
	}
}
