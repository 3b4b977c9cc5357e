package runtime

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// outagePhase is a part of TestCacheVaultKilledUnderLoad.
type outagePhase int32

const (
	phaseUp      outagePhase = iota // Vault up
	phaseDown                       // Vault killed
	phaseBack                       // Vault restarting, fixtures rewritten, auto-auth checking
	phaseSettled                    // the proxy has answered through the new Vault
)

func (p outagePhase) String() string {
	return [...]string{"up", "down", "back", "settled"}[p]
}

// outageTally counts what the load got in each phase.
type outageTally struct {
	mu     sync.Mutex
	counts map[string]int // "phase path outcome"
	bad    []string       // failures the phase does not allow, the first few
	nbad   int
	maxDur map[outagePhase]time.Duration
}

func (o *outageTally) add(ph outagePhase, path, outcome string, d time.Duration, bad string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.counts[ph.String()+" "+path+" "+outcome]++
	o.maxDur[ph] = max(o.maxDur[ph], d)
	if bad != "" {
		o.nbad++
		if len(o.bad) < 10 {
			o.bad = append(o.bad, fmt.Sprintf("%s %s: %s", ph, path, bad))
		}
	}
}

// outageRequest is one kind of request of the load.
type outageRequest struct {
	name, method, path, body string
}

// TestCacheVaultKilledUnderLoad: a proxy with a cache (dynamic and static secrets, serve_stale_for)
// in front of a real Vault dev server that is killed (SIGKILL) under load and restarted at the same
// address. Workers send cached requests (a child token created with the auto-auth token, a KV read
// cached as a static secret) and uncached ones (sys/health, lookup-self) throughout. No request may
// outlive the listener's max_request_duration (with a margin for scheduling); while Vault is down
// every answer is a success (a hit, or STALE) or a JSON 502, 503 or 504 in Vault's error shape,
// never a transport error; once the proxy has answered through the restarted Vault (auto-auth's
// token checked again) there is no error at all. The static secret is served STALE at least once
// while Vault is down. scripts/soak.sh is the longer, by-hand form of this.
func TestCacheVaultKilledUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("a 15 s load test")
	}
	dev := vaulttest.StartDev(t)
	root := dev.Client(t)
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	// The dev server's root token: a restarted dev server has it again, so auto-auth's token works
	// once Vault is back, as in scripts/soak.sh.
	if err := os.WriteFile(tokenFile, []byte(dev.RootToken()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	writeSecret := func() {
		t.Helper()
		var err error
		for range 50 { // a freshly started dev server upgrades its KV v2 mount for a moment
			if _, err = root.Logical().Write("secret/data/app", map[string]any{"data": map[string]any{"password": "p1"}}); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("writing the secret: %v", err)
	}
	writeSecret()

	const maxDuration = 5 * time.Second
	p := planFrom(t, fmt.Sprintf(`
vault { address = "{{vault}}" }
auto_auth {
  method "token_file" {
    config = { token_file_path = %q }
  }
}
api_proxy { use_auto_auth_token = true }
cache {
  cache_static_secrets = true
  serve_stale_for      = "1m"
}
listener "tcp" {
  address              = "127.0.0.1:8200"
  tls_disable          = true
  max_request_duration = %q
}`, tokenFile, maxDuration.String()), dev.Addr())
	s := startPlan(t, p)

	reqs := []outageRequest{
		{"token create (cached)", "POST", "/v1/auth/token/create", `{"ttl":"1h","policies":["default"]}`},
		{"kv read (static cache)", "GET", "/v1/secret/data/app", ""},
		{"sys/health", "GET", "/v1/sys/health", ""},
		{"lookup-self", "GET", "/v1/auth/token/lookup-self", ""},
	}
	tally := &outageTally{counts: map[string]int{}, maxDur: map[outagePhase]time.Duration{}}
	var phase atomic.Int32
	var stale atomic.Int64
	// The bound: max_request_duration, plus time for 2 shared cores under load.
	client := &http.Client{Timeout: maxDuration + 5*time.Second, Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	const workers = 8
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r := reqs[i%len(reqs)]
				ph := outagePhase(phase.Load())
				outcome, judge, d := outageDo(client, s.url, r)
				if outcome == "200 STALE" && r.path == "/v1/secret/data/app" {
					stale.Add(1)
				}
				// A request that straddled a phase change passes when either phase allows it: one
				// sent before the kill may get the 502 of a Vault that is gone.
				bad := judge(ph)
				if end := outagePhase(phase.Load()); end != ph && bad != "" {
					bad = judge(end)
				}
				tally.add(ph, r.name, outcome, d, bad)
			}
		}()
	}

	wait := func(d time.Duration) { time.Sleep(d) }
	wait(2 * time.Second)
	phase.Store(int32(phaseDown))
	dev.Kill()
	wait(4 * time.Second)
	phase.Store(int32(phaseBack))
	dev.Restart(t)
	writeSecret()
	// Settled once the proxy answers a lookup-self with auto-auth's token through the new Vault.
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := client.Get(s.url + "/v1/auth/token/lookup-self")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the proxy did not answer through the restarted Vault within 15s (last: %v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	phase.Store(int32(phaseSettled))
	wait(3 * time.Second)
	close(stop)
	wg.Wait()

	keys := make([]string, 0, len(tally.counts))
	for k := range tally.counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%-60s %d", k, tally.counts[k])
	}
	for ph := phaseUp; ph <= phaseSettled; ph++ {
		t.Logf("slowest answer while %s: %v", ph, tally.maxDur[ph].Round(time.Millisecond))
	}
	if tally.nbad > 0 {
		t.Errorf("%d requests failed in a way their phase does not allow; the first:\n%s", tally.nbad, strings.Join(tally.bad, "\n"))
	}
	if stale.Load() == 0 {
		t.Error("the static secret was never served STALE while Vault was down")
	}
	for ph := phaseUp; ph <= phaseSettled; ph++ {
		if ph != phaseBack && !hasPhase(tally.counts, ph) {
			t.Errorf("no request completed while %s", ph)
		}
	}
}

func hasPhase(counts map[string]int, ph outagePhase) bool {
	for k := range counts {
		if strings.HasPrefix(k, ph.String()+" ") {
			return true
		}
	}
	return false
}

// outageDo sends r and returns its outcome ("200 HIT", "502 json", "transport error"...), a
// judge that says why a phase does not allow it ("" when it does), and how long it took.
func outageDo(client *http.Client, base string, r outageRequest) (string, func(outagePhase) string, time.Duration) {
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	never := func(why string) func(outagePhase) string { return func(outagePhase) string { return why } }
	req, err := http.NewRequest(r.method, base+r.path, body)
	if err != nil {
		return "bad request", never(err.Error()), 0
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return "transport error", never(err.Error()), time.Since(start)
	}
	raw, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if rerr != nil {
		return "body error", never(rerr.Error()), d
	}
	if resp.StatusCode/100 == 2 {
		outcome := fmt.Sprintf("%d %s", resp.StatusCode, resp.Header.Get("X-Cache"))
		return strings.TrimSpace(outcome), never(""), d
	}
	var e struct {
		Errors []string `json:"errors"`
	}
	isJSON := json.Unmarshal(raw, &e) == nil && len(e.Errors) > 0
	outcome := fmt.Sprintf("%d", resp.StatusCode)
	if isJSON {
		outcome += " json"
	}
	why := fmt.Sprintf("%d %.200s", resp.StatusCode, raw)
	gateway := resp.StatusCode == 502 || resp.StatusCode == 503 || resp.StatusCode == 504
	return outcome, func(ph outagePhase) string {
		// Bounded failures only while Vault is down; while it restarts, Vault's own answers too (a
		// 404 for the secret not yet rewritten, a 400 of a KV mount still upgrading).
		if ph == phaseDown && isJSON && gateway || ph == phaseBack && isJSON {
			return ""
		}
		return why
	}, d
}
