package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vaultproxy/vaultproxy/runtime/autoauth"
)

const readyPath = "/proxy/v1/ready"

// readyBody is the answer of /proxy/v1/ready.
type readyBody struct {
	Ready    bool     `json:"ready"`
	Errors   []string `json:"errors,omitempty"`
	Vault    string   `json:"vault"`
	AutoAuth string   `json:"auto_auth,omitempty"` // the method, with an auto_auth block
}

// serveReady is /proxy/v1/ready: 200 when ready, else 503 naming what is missing; GET and HEAD only.
// It reads cached state and never calls Vault itself. The first request starts the background check
// of Vault (vaultwatch.go); while nothing is known of Vault yet, a request waits a little for it.
func (rt *Runtime) serveReady(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeErrors(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s: use GET", r.Method, readyPath))
		return
	}
	rt.vault.start()
	rt.vault.awaitKnown(r.Context(), unknownWait)
	body := rt.readiness()
	status := http.StatusOK
	if !body.Ready {
		status = http.StatusServiceUnavailable
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// readiness says whether the Runtime is ready: Vault answered (vaultWatch), and auto-auth, when
// configured, holds a token Vault accepted. Otherwise Errors names what is missing.
func (rt *Runtime) readiness() readyBody {
	st := rt.current()
	addr, state, cause := rt.vault.status()
	body := readyBody{Vault: addr}
	switch state {
	case reachUnknown:
		body.Errors = append(body.Errors, fmt.Sprintf("Vault at %s has not answered yet", addr))
	case reachDown:
		body.Errors = append(body.Errors, fmt.Sprintf("Vault at %s does not answer: %s", addr, cause))
	}
	if a := st.auth; a != nil {
		body.AutoAuth = a.id.cfg.Method
		if msg := a.watch.missing(a.mgr); msg != "" {
			body.Errors = append(body.Errors, msg)
		}
	}
	body.Ready = len(body.Errors) == 0
	return body
}

// authWatch sees auto-auth's logins (as its Observer) for readiness, and passes each on to the
// metrics. A successful login is also an answer from Vault.
type authWatch struct {
	next    autoauth.Observer
	method  string
	wrapped bool // the method's wrap_ttl: the token goes to the sinks wrapped and is never held
	answer  func()
	changed func()

	failures atomic.Int64 // failed logins since the last success
	authed   atomic.Bool  // a token was obtained at least once
}

func (a *authWatch) AuthSuccess() {
	a.failures.Store(0)
	a.answer()
	a.next.AuthSuccess()
	a.changed()
}

func (a *authWatch) AuthFailure() {
	a.failures.Add(1)
	a.next.AuthFailure()
	a.changed()
}

func (a *authWatch) Authenticated(ok bool) {
	if ok {
		a.authed.Store(true)
	}
	a.next.Authenticated(ok)
	a.changed()
}

// missing says what auto-auth lacks to be ready ("" when nothing).
func (a *authWatch) missing(mgr *autoauth.Manager) string {
	if a.wrapped {
		if a.authed.Load() {
			return ""
		}
	} else if _, ok := mgr.Current(); ok {
		return ""
	} else if a.authed.Load() {
		return fmt.Sprintf("auto-auth (%s) is checking or replacing its token", a.method)
	}
	if n := a.failures.Load(); n > 0 {
		return fmt.Sprintf("auto-auth (%s) holds no token Vault accepted: %d login attempts failed (the log says why)", a.method, n)
	}
	return fmt.Sprintf("auto-auth (%s) holds no token yet", a.method)
}

// broadcast wakes every waiter at each notify.
type broadcast struct {
	mu sync.Mutex
	ch chan struct{}
}

func (b *broadcast) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

func (b *broadcast) notify() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch != nil {
		close(b.ch)
		b.ch = nil
	}
}

// lifecycle calls Options.OnReady once, when the Runtime listens and is first ready, and
// Options.OnStopping once when it stops; never OnReady after OnStopping.
type lifecycle struct {
	mu       sync.Mutex
	stopping bool
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// startReadyWatch waits, in the background, for the Runtime to be ready and then calls OnReady.
// It starts the background check of Vault, since nothing else may ask Vault anything.
func (rt *Runtime) startReadyWatch() {
	if rt.opts.OnReady == nil {
		return
	}
	rt.vault.start()
	ctx, cancel := context.WithCancel(context.Background())
	rt.lc.cancel = cancel
	rt.lc.wg.Add(1)
	go func() {
		defer rt.lc.wg.Done()
		var said []string
		for {
			changed := rt.readyChanged.wait()
			body := rt.readiness()
			if !body.Ready && rt.opts.OnWaiting != nil && !slices.Equal(body.Errors, said) {
				said = body.Errors
				rt.opts.OnWaiting(said)
			}
			if body.Ready {
				rt.lc.mu.Lock()
				if !rt.lc.stopping {
					rt.opts.OnReady()
				}
				rt.lc.mu.Unlock()
				return
			}
			// Auto-auth's token going stale and back is not observed: look again each second too.
			t := time.NewTimer(time.Second)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-changed:
			case <-t.C:
			}
			t.Stop()
		}
	}()
}

// stopping calls OnStopping (once) and ends the wait for readiness.
func (rt *Runtime) stopping() {
	rt.lc.mu.Lock()
	first := !rt.lc.stopping
	rt.lc.stopping = true
	rt.lc.mu.Unlock()
	if rt.lc.cancel != nil {
		rt.lc.cancel()
	}
	rt.lc.wg.Wait()
	if first && rt.opts.OnStopping != nil {
		rt.opts.OnStopping()
	}
}
