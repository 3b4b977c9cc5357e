package runtime

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Two listeners, one with a small max_request_size and a short max_request_duration, the other
// with the defaults: the settings apply per listener (Vault Proxy parses them and ignores them).
const limitedListeners = `
vault { address = "{{vault}}" }
listener "tcp" {
  address              = "127.0.0.1:8201"
  tls_disable          = true
  max_request_size     = 64
  max_request_duration = "300ms"
}
listener "tcp" {
  address     = "127.0.0.1:8202"
  tls_disable = true
}
`

// A body over the listener's max_request_size gets 413 in Vault's error shape and Vault never sees
// the request, declared (Content-Length) or chunked; the same body on the other listener, under the
// default 32 MiB, goes through whole.
func TestListenerMaxRequestSize(t *testing.T) {
	rec := newRecorder(t, nil)
	s := startPlan(t, planFrom(t, limitedListeners, rec.srv.URL))
	small, other := s.addrs[0], s.addrs[1]
	payload := `{"data":{"k":"` + strings.Repeat("x", 100) + `"}}`
	head := "POST /v1/secret/data/app HTTP/1.1\r\nHost: proxy\r\nContent-Type: application/json\r\n"
	declared := head + fmt.Sprintf("Content-Length: %d\r\n\r\n", len(payload)) + payload
	chunked := head + fmt.Sprintf("Transfer-Encoding: chunked\r\n\r\n%x\r\n", len(payload)) + payload + "\r\n0\r\n\r\n"
	for name, raw := range map[string]string{"declared": declared, "chunked": chunked} {
		status, body := rawExchange(t, small, raw, false)
		if status != http.StatusRequestEntityTooLarge {
			t.Fatalf("%s: status %d body %q, want 413", name, status, body)
		}
		if errs := jsonErrors(t, body); !strings.Contains(errs[0], "larger than the limit of 64 bytes") {
			t.Errorf("%s: errors %q do not name the limit", name, errs)
		}
	}
	if rec.n() != 0 {
		t.Fatalf("Vault received %d requests over max_request_size (first body %q)", rec.n(), rec.body[0])
	}
	status, body := rawExchange(t, other, declared, false)
	if status != 200 || rec.n() != 1 || rec.body[0] != payload {
		t.Errorf("default listener: status %d body %q; Vault got %d requests", status, body, rec.n())
	}
}

// A Vault that never answers gets a request on the listener with max_request_duration = "300ms" a
// 504 naming that bound, in Vault's error shape.
func TestListenerMaxRequestDuration(t *testing.T) {
	vault := frozenVault(t)
	s := startPlan(t, planFrom(t, limitedListeners, vault))
	resp, body := do(t, "GET", "http://"+s.addrs[0]+"/v1/secret/data/app", nil, "")
	if resp.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("status %d body %q, want 504", resp.StatusCode, body)
	}
	if errs := jsonErrors(t, body); !strings.Contains(errs[0], "did not answer within 300ms") || !strings.Contains(errs[0], vault) {
		t.Errorf("errors %q do not name Vault and max_request_duration", errs)
	}
}

// The limits a request meets on each listener: the plan's, resolved as Vault's server reads them (0
// for the default, a negative size for no limit), unless Limits replaces them.
func TestListenerLimitsResolved(t *testing.T) {
	p := planFrom(t, `
vault { address = "{{vault}}" }
listener "tcp" {
  address          = "127.0.0.1:8201"
  tls_disable      = true
  max_request_size = -1
}
listener "tcp" {
  address              = "127.0.0.1:8202"
  tls_disable          = true
  max_request_size     = 0
  max_request_duration = "0s"
}
listener "tcp" {
  address              = "127.0.0.1:8203"
  tls_disable          = true
  max_request_size     = 10
  max_request_duration = "2s"
}
`, "http://127.0.0.1:1")
	ls := p.Listeners()
	cases := []struct {
		name   string
		limits Limits
		l      int
		size   int64
		dur    time.Duration
	}{
		{"negative size: no limit", Limits{}, 0, math.MaxInt64, 60 * time.Second},
		{"zero: the defaults", Limits{}, 1, 32 << 20, 60 * time.Second},
		{"written", Limits{}, 2, 10, 2 * time.Second},
		{"replaced by Limits", Limits{MaxRequestSize: 5, VaultTimeout: time.Second}, 2, 5, time.Second},
	}
	for _, c := range cases {
		px := &proxy{limits: c.limits}
		if got := px.sizeLimit(limitsOf(ls[c.l])); got != c.size {
			t.Errorf("%s: size limit %d, want %d", c.name, got, c.size)
		}
		if got := px.durationLimit(limitsOf(ls[c.l])); got != c.dur {
			t.Errorf("%s: duration limit %s, want %s", c.name, got, c.dur)
		}
	}
}
