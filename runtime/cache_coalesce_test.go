package runtime

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// With the cache on and Vault refusing connections, identical requests made at once wait for the
// first one's round trip and get its answer, the JSON 502, rather than each retrying its own
// connections for the dial retry budget after it: the followers used to answer after twice the
// budget (a client with a shorter timeout saw errors).
func TestCacheIdenticalRequestsShareRefusedVault(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()
	var dials atomic.Int32
	d := &net.Dialer{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return d.DialContext(ctx, network, addr)
	}}
	p := planFrom(t, `
vault { address = "{{vault}}" }
cache {}
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}`, dead)
	// Attempts at 0, 100, 300 and 700 ms; the next would start at 1.5 s, past the budget: the
	// others have 700 ms to arrive behind the first.
	s := startPlan(t, p, withLimits(Limits{DialRetryBudget: time.Second}), func(o *Options) { o.Transport = tr })

	const n = 8
	var wg sync.WaitGroup
	bad := make(chan string, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", s.url+"/v1/database/creds/app", nil)
			req.Header.Set("X-Vault-Token", "hvs.client")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				bad <- err.Error()
				return
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var e struct {
				Errors []string `json:"errors"`
			}
			if resp.StatusCode != 502 || json.Unmarshal(raw, &e) != nil || len(e.Errors) == 0 || !strings.Contains(e.Errors[0], "connection refused") {
				bad <- string(raw)
			}
		}()
	}
	wg.Wait()
	close(bad)
	for b := range bad {
		t.Errorf("want the JSON 502 of a refused Vault, got %s", b)
	}
	// One round trip's 4 attempts; 8 would be a straggler that came after it and went on its own.
	if got := dials.Load(); got > 8 {
		t.Errorf("%d connection attempts for %d identical requests; want the first one's 4 (each request went on its own)", got, n)
	}
}
