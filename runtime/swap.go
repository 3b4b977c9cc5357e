package runtime

import (
	"context"
	"errors"
	"fmt"

	"github.com/vaultproxy/vaultproxy/compile"
)

// Swap replaces the plan of a running Runtime (SIGHUP). The new plan's state is built first; if that
// or opening a new listener fails, the old plan keeps serving untouched and the error is returned.
// Otherwise the switch is atomic: new requests use the new plan, requests in flight finish on the
// old one. Listeners are matched by type and address: one that stays keeps its socket and takes the
// new role, require_request_header, quit setting and TLS configuration (for new connections);
// listeners that are gone are closed gracefully; new ones are opened, beside the old one when they
// move it to another host on its port (listener_move.go). Every file the plan names is read again
// (building the state fails when one does not load). Auto-auth keeps running, with its token,
// unless the auto_auth block or the way to Vault changed; when it is kept it takes the new
// transport to Vault and, when its credential files changed, logs in with them while its token
// stays in use (reloadAuth). The lease cache keeps its
// entries unless its settings, the way to Vault or the auto-auth run changed (then the old cache is
// closed and a new, empty one serves); it forwards through the new plan's chain either way. Log
// settings and the pid file follow the new plan. Changing a kept listener between TLS and plain HTTP
// is refused.
//
// The new state is built without holding mu, which is taken only to install it: building an
// auto-auth method may wait on a cloud metadata service with no deadline, and shutdown, which needs
// mu, must not wait for it. Shutdown makes a Swap still building give up (ErrStopped); the state
// its build returns later is discarded and never installed or started.
//
// The build is bounded by reloadBuildTimeout (compile.RunReloadBuildTimeout): beyond it the Swap
// fails with an error wrapping ErrReloadBuildTimeout, the old plan keeps serving, the next Swap may
// proceed, and the late state is discarded as at shutdown.
func (rt *Runtime) Swap(p *compile.Plan) error {
	rt.swapMu.Lock()
	defer rt.swapMu.Unlock()
	rt.mu.Lock()
	stopped := rt.stopped
	old := rt.current()
	rt.mu.Unlock()
	if stopped {
		return ErrStopped
	}
	bctx, cancel := context.WithTimeout(rt.stop, reloadBuildTimeout)
	defer cancel()
	st, err := rt.buildContext(bctx, p, old)
	if rt.stop.Err() != nil {
		if st != nil {
			st.discard(old)
		}
		return ErrStopped
	}
	if st == nil && bctx.Err() != nil {
		// buildContext gave up on the build (it discards the state when the build ends).
		return fmt.Errorf("%w %v", ErrReloadBuildTimeout, reloadBuildTimeout)
	}
	if err != nil {
		return err
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.stopped {
		st.discard(old)
		return ErrStopped
	}
	// old is still the current state: only Swap replaces it, one at a time (swapMu).
	newKeys, err := rt.matchListeners(p, st)
	if err != nil {
		st.discard(old)
		return err
	}
	if !rt.running {
		return rt.swapBeforeRun(p, st, old)
	}
	bound, err := rt.prepareSwap(p, st, old)
	if err != nil {
		return err
	}
	rt.commitSwap(p, st, old, newKeys, bound)
	return nil
}

// ErrStopped is Swap's error once shutdown has begun, the reload then being abandoned.
var ErrStopped = errors.New("runtime stopped")

// ErrReloadBuildTimeout is wrapped by Swap's error when building the new state took longer than
// reloadBuildTimeout; the error's text goes on with that bound.
var ErrReloadBuildTimeout = errors.New("building auto-auth took longer than")

// reloadBuildTimeout bounds a Swap's build; a test-hook build (testhooks.go) may shorten it.
var reloadBuildTimeout = compile.RunReloadBuildTimeout

// matchListeners returns the new plan's listeners by key, and refuses to switch a listener that
// stays between TLS and plain HTTP.
func (rt *Runtime) matchListeners(p *compile.Plan, st *state) (map[string]compile.Listener, error) {
	newKeys := map[string]compile.Listener{}
	for _, l := range p.Listeners() {
		k := listenerKey(l)
		newKeys[k] = l
		if kept, ok := rt.listeners[k]; ok && rt.running && (kept.tls != nil) != st.tls[k].on {
			return nil, fmt.Errorf("listener %s: switching between TLS and plain HTTP needs a restart", l.Address().Get())
		}
	}
	return newKeys, nil
}

// swapBeforeRun replaces the plan of a Runtime that does not serve yet: Run will start st (bind its
// listeners, write its pid file). The new log settings apply now, as in a Swap while running; when
// they cannot (a log_file that does not open) st is discarded and the old plan stays.
func (rt *Runtime) swapBeforeRun(p *compile.Plan, st, old *state) error {
	if err := rt.applyLogs(p); err != nil {
		st.discard(old)
		return err
	}
	st.use()
	rt.plan, rt.pending = p, st
	rt.cur.Store(st)
	if old.auth == st.auth && st.auth != nil {
		rt.reloadAuth(st)
	}
	if old.cache != st.cache {
		old.cache.close()
	}
	rt.log.Info("configuration reloaded", "vault", st.up.addr, "listeners", len(p.Listeners()), "serving", false)
	return nil
}

// applyLogs applies p's log settings (unless Options.Logger replaced them) and logs their notes.
func (rt *Runtime) applyLogs(p *compile.Plan) error {
	if rt.logs == nil {
		return nil
	}
	notes, err := rt.logs.apply(p)
	if err != nil {
		return err
	}
	for _, n := range notes {
		rt.log.Warn(n)
	}
	return nil
}

// prepareSwap does what can still fail before the switch: it opens the new listeners and applies
// the new log settings. On failure it undoes both and discards st, so the old plan serves untouched.
func (rt *Runtime) prepareSwap(p *compile.Plan, st, old *state) (map[string]*listener, error) {
	bound, err := rt.bindAll(st, rt.listeners)
	if err != nil {
		st.discard(old)
		return nil, err
	}
	if err := rt.applyLogs(p); err != nil {
		unbind(bound)
		st.discard(old)
		return nil, err
	}
	return bound, nil
}

// commitSwap switches to st, which cannot fail any more: new requests use it, then the listeners,
// auto-auth, the connections to Vault, the pid file and the cache follow.
func (rt *Runtime) commitSwap(p *compile.Plan, st, old *state, newKeys map[string]compile.Listener, bound map[string]*listener) {
	st.use()
	rt.cur.Store(st)
	rt.plan = p
	rt.swapListeners(st, newKeys, bound)
	if old.auth != st.auth {
		old.auth.stop()
		rt.startAuth(st.auth)
		if st.auth != nil {
			rt.log.Info("auto-auth restarted by reload")
		}
	} else if st.auth != nil {
		rt.reloadAuth(st)
	}
	if old.up.proxy != st.up.proxy {
		closeIdleConnections(old.up.proxy)
	}
	if old.up.auth != st.up.auth {
		closeIdleConnections(old.up.auth)
	}
	if newPid := p.PidFile().Get(); newPid != rt.pidFile {
		rt.removePidFile()
		if err := rt.writePidFile(newPid); err != nil {
			rt.log.Error("reload: pid file", "err", err)
		}
	}
	rt.swapCache(st, old)
	rt.log.Info("configuration reloaded", "vault", st.up.addr, "listeners", len(rt.listeners))
}

// reloadAuth gives an auto-auth run that a reload keeps the new transport to Vault (the vault
// block's files were read again), and has it log in again when the files it logs in with changed;
// it keeps its token until that login succeeds.
func (rt *Runtime) reloadAuth(st *state) {
	a := st.auth
	a.mgr.SetTransport(st.up.auth, st.up.tls)
	if a.creds.Changed(st.authCreds) {
		rt.log.Info("auto-auth credential files changed; logging in with them, keeping the current token until that succeeds")
		a.mgr.NewCredentials()
	}
	a.creds = a.creds.Merge(st.authCreds)
}

// swapListeners closes the listeners the new plan drops (gracefully), gives the ones it keeps their
// new settings and TLS configuration, and serves the newly bound ones.
func (rt *Runtime) swapListeners(st *state, newKeys map[string]compile.Listener, bound map[string]*listener) {
	moved := map[*listener]bool{}
	for _, b := range bound {
		if b.replaces != nil {
			moved[b.replaces] = true
		}
	}
	for k, l := range rt.listeners {
		nl, ok := newKeys[k]
		if !ok {
			delete(rt.listeners, k)
			rt.log.Info("listener removed by reload", "listener", k)
			go func() {
				if moved[l] {
					drainMoved(l.raw)
				}
				rt.closeListener(context.Background(), l)
			}()
			continue
		}
		l.handler.cfg.Store(listenerConfigOf(st.plan, nl))
		if l.tls != nil {
			l.tls.cur.Store(st.tls[k].conf)
		}
	}
	for k, l := range bound {
		rt.listeners[k] = l
		rt.serve(l)
	}
}

// swapCache closes the old lease cache when the new state has another one (or none), and logs what
// became of the entries.
func (rt *Runtime) swapCache(st, old *state) {
	if old.cache == st.cache {
		if st.cache != nil {
			rt.log.Info("lease cache kept by reload", "entries", st.cache.c.Len())
		}
		return
	}
	if old.cache != nil {
		// Requests still in flight on the old plan finish; its closed cache forwards them uncached.
		old.cache.close()
		if st.cache != nil {
			rt.log.Info("lease cache replaced by reload (its settings, the way to Vault or auto-auth changed): entries dropped")
		} else {
			rt.log.Info("lease cache removed by reload: entries dropped")
		}
	}
	if st.cache != nil {
		rt.logCache(st)
	}
}
