package runtime

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// How the reachability of Vault is kept for readiness. Answers on the request path (and auto-auth's
// logins) keep it up to date for free; a background check (GET /v1/sys/health) fills the gaps, one
// at a time, never more often than these bounds allow, however many probes ask.
const (
	// vaultCheckFirstRetry is the pause before checking again after Vault did not answer; it doubles
	// up to VaultCheckInterval.
	vaultCheckFirstRetry = 250 * time.Millisecond
	// VaultCheckInterval is the most time between two checks: while Vault answers, a check is made
	// only when nothing else has heard from Vault for that long.
	VaultCheckInterval = 10 * time.Second
	// vaultCheckTimeout bounds one check.
	vaultCheckTimeout = 5 * time.Second
	// unknownWait is how long a readiness request waits for a check to end while nothing is known
	// of Vault (the first probe, or the first after a reload changed the address), so that it gets
	// a real answer rather than "not answered yet".
	unknownWait = 2 * time.Second
)

type reach int

const (
	reachUnknown reach = iota // nothing heard from Vault yet (at start, or since the address changed)
	reachUp                   // Vault answered
	reachDown                 // Vault did not answer, or answered that it cannot serve (sealed, ...)
)

// vaultWatch caches whether Vault answers, for /proxy/v1/ready and systemd's READY=1. It is about one
// Vault address at a time: the current plan's; when a reload changes it, the state starts over.
type vaultWatch struct {
	current func() *upstream // the current plan's way to Vault
	changed func()           // told of every change of state

	mu    sync.Mutex
	addr  string // the address the state is about
	state reach
	cause string // why Vault is not up (reachDown)

	// seen is when the state was last confirmed (UnixNano), and upAt the address while the state is
	// reachUp: an answer from Vault while it is up, the common case on the request path, only stores
	// the time, without the lock.
	seen atomic.Int64
	upAt atomic.Pointer[string]

	checked chan struct{} // closed when the check in progress (or the next one) ends; under mu

	once   sync.Once
	kick   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

func newVaultWatch(current func() *upstream, changed func()) *vaultWatch {
	return &vaultWatch{current: current, changed: changed, kick: make(chan struct{}, 1),
		checked: make(chan struct{})}
}

// status returns the state for the current address, starting over when the address changed.
func (w *vaultWatch) status() (addr string, st reach, cause string) {
	cur := w.current().addr
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.addr != cur {
		w.addr, w.state, w.cause = cur, reachUnknown, ""
		w.upAt.Store(nil)
		w.seen.Store(0)
		w.poke()
	}
	return w.addr, w.state, w.cause
}

// record sets the state from one exchange with Vault at addr; exchanges with an address that is no
// longer the current one (requests in flight across a reload) are ignored.
func (w *vaultWatch) record(addr string, up bool, cause string) {
	if a := w.upAt.Load(); up && a != nil && *a == addr {
		w.seen.Store(time.Now().UnixNano())
		return
	}
	w.mu.Lock()
	if addr != w.addr {
		if addr != w.current().addr {
			w.mu.Unlock()
			return
		}
		w.addr = addr
	}
	next := reachDown
	if up {
		next, cause = reachUp, ""
	}
	changed := next != w.state || cause != w.cause
	w.state, w.cause = next, cause
	w.seen.Store(time.Now().UnixNano())
	if up {
		w.upAt.Store(&addr)
	} else {
		w.upAt.Store(nil)
	}
	w.mu.Unlock()
	if changed {
		if !up {
			w.poke() // a check follows soon, so that recovery is seen without waiting for a request
		}
		w.changed()
	}
}

// fromExchange records the outcome of one request to Vault: any answer counts as Vault answering,
// except 502, 503 and 504, which a sealed Vault or a load balancer with no Vault behind it gives. A
// request its client cancelled tells nothing.
func (w *vaultWatch) fromExchange(addr string, r *http.Request, resp *http.Response, err error) {
	switch {
	case err != nil:
		if r.Context().Err() != nil {
			return
		}
		w.record(addr, false, causeOf(err))
	case resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusServiceUnavailable ||
		resp.StatusCode == http.StatusGatewayTimeout:
		w.record(addr, false, "answered "+resp.Status)
	default:
		w.record(addr, true, "")
	}
}

// observe wraps a transport to Vault at addr so that every exchange on it updates the state.
func (w *vaultWatch) observe(next http.RoundTripper, addr string) http.RoundTripper {
	return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(r)
		w.fromExchange(addr, r, resp, err)
		return resp, err
	})
}

func (w *vaultWatch) sinceSeen() time.Duration {
	return time.Duration(time.Now().UnixNano() - w.seen.Load())
}

// poke asks the background check, when it runs, to check now.
func (w *vaultWatch) poke() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// start runs the background check from now on (once; later calls do nothing).
func (w *vaultWatch) start() {
	w.once.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		w.cancel, w.done = cancel, make(chan struct{})
		go w.loop(ctx)
	})
}

// awaitKnown waits, for at most d or until ctx ends, while nothing is known of Vault and checks
// are being made.
func (w *vaultWatch) awaitKnown(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		w.mu.Lock()
		next := w.checked
		w.mu.Unlock()
		if _, st, _ := w.status(); st != reachUnknown {
			return
		}
		select {
		case <-next:
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// stop ends the background check and waits for it.
func (w *vaultWatch) stop() {
	w.once.Do(func() {}) // a later start does nothing
	if w.cancel != nil {
		w.cancel()
		<-w.done
	}
}

// loop checks Vault now, then again after vaultCheckFirstRetry (doubled up to VaultCheckInterval)
// while it does not answer, and after VaultCheckInterval of silence while it does.
func (w *vaultWatch) loop(ctx context.Context) {
	defer close(w.done)
	retry := vaultCheckFirstRetry
	for {
		_, st, _ := w.status()
		if st != reachUp || w.sinceSeen() >= VaultCheckInterval {
			w.check(ctx)
			w.mu.Lock()
			close(w.checked)
			w.checked = make(chan struct{})
			w.mu.Unlock()
			_, st, _ = w.status()
		}
		var wait time.Duration
		if st == reachUp {
			retry = vaultCheckFirstRetry
			wait = VaultCheckInterval - w.sinceSeen()
		} else {
			wait, retry = retry, min(2*retry, VaultCheckInterval)
		}
		t := time.NewTimer(max(wait, 0))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-w.kick:
			t.Stop()
			// At most one check per vaultCheckFirstRetry, however often it is poked.
			select {
			case <-ctx.Done():
				return
			case <-time.After(vaultCheckFirstRetry):
			}
		case <-t.C:
		}
	}
}

// check asks Vault's sys/health once. Standbys and performance standbys count as answering (they
// forward requests); a sealed or uninitialised Vault, or a DR secondary, does not.
func (w *vaultWatch) check(ctx context.Context) {
	up := w.current()
	ctx, cancel := context.WithTimeout(ctx, vaultCheckTimeout)
	defer cancel()
	u := *up.url
	u.Path, u.RawQuery = "/v1/sys/health", "standbyok=true&perfstandbyok=true"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		w.record(up.addr, false, err.Error())
		return
	}
	req.Header.Set("X-Vault-Request", "true")
	resp, err := up.proxy.RoundTrip(req)
	if err != nil {
		switch ctx.Err() {
		case context.Canceled:
			return // shutting down
		case context.DeadlineExceeded:
			w.record(up.addr, false, fmt.Sprintf("no answer to sys/health within %s", vaultCheckTimeout))
		default:
			w.record(up.addr, false, causeOf(err))
		}
		return
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusTooManyRequests, 473:
		w.record(up.addr, true, "")
	case http.StatusNotImplemented:
		w.record(up.addr, false, "Vault is not initialized (sys/health answered 501)")
	case http.StatusServiceUnavailable:
		w.record(up.addr, false, "Vault is sealed (sys/health answered 503)")
	case 472:
		w.record(up.addr, false, "Vault is a disaster recovery secondary (sys/health answered 472)")
	default:
		w.record(up.addr, false, fmt.Sprintf("sys/health answered %s", resp.Status))
	}
}
