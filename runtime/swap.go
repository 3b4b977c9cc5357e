package runtime

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/vaultproxy/vaultproxy/compile"
)

// Swap replaces the plan of a running Runtime (SIGHUP). The new plan's state is built first; if that
// or opening a new listener fails, the old plan keeps serving untouched and the error is returned.
// Otherwise the switch is atomic: new requests use the new plan, requests in flight finish on the
// old one. Listeners are matched by type and address: one that stays keeps its socket and takes the
// new role, require_request_header, quit setting and TLS configuration (for new connections);
// listeners that are gone are closed gracefully; new ones are opened. Auto-auth keeps running, with
// its token, unless the auto_auth block or the way to Vault changed. The lease cache keeps its
// entries unless its settings, the way to Vault or the auto-auth run changed (then the old cache is
// closed and a new, empty one serves); it forwards through the new plan's chain either way. Log
// settings and the pid file follow the new plan. Changing a kept listener between TLS and plain HTTP
// is refused.
func (rt *Runtime) Swap(p *compile.Plan) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.stopped {
		return errors.New("runtime stopped")
	}
	old := rt.current()
	st, err := rt.build(p, old)
	if err != nil {
		return err
	}
	newKeys := map[string]compile.Listener{}
	for _, l := range p.Listeners() {
		k := listenerKey(l)
		newKeys[k] = l
		if kept, ok := rt.listeners[k]; ok && rt.running && (kept.tls != nil) != st.tls[k].on {
			st.discard(old)
			return fmt.Errorf("listener %s: switching between TLS and plain HTTP needs a restart", l.Address().Get())
		}
	}
	if !rt.running {
		st.use()
		rt.plan, rt.pending = p, st
		rt.cur.Store(st)
		if old.cache != st.cache {
			old.cache.close()
		}
		return nil
	}
	bound, err := rt.bindAll(st, rt.listeners)
	if err != nil {
		st.discard(old)
		return err
	}
	if rt.logs != nil {
		notes, err := rt.logs.apply(p)
		if err != nil {
			for _, b := range bound {
				b.ln.Close()
			}
			st.discard(old)
			return err
		}
		for _, n := range notes {
			rt.log.Warn(n)
		}
	}

	// Commit.
	st.use()
	rt.cur.Store(st)
	rt.plan = p
	for k, l := range rt.listeners {
		nl, ok := newKeys[k]
		if !ok {
			delete(rt.listeners, k)
			rt.log.Info("listener removed by reload", "listener", k)
			go rt.closeListener(context.Background(), l)
			continue
		}
		l.handler.cfg.Store(listenerConfigOf(nl))
		if l.tls != nil {
			l.tls.cur.Store(st.tls[k].conf)
		}
	}
	for k, l := range bound {
		rt.listeners[k] = l
		rt.serve(l)
	}
	if old.auth != st.auth {
		old.auth.stop()
		rt.startAuth(st.auth)
		if st.auth != nil {
			rt.log.Info("auto-auth restarted by reload")
		}
	}
	if tr, ok := old.up.proxy.(*http.Transport); ok && old.up.proxy != st.up.proxy {
		tr.CloseIdleConnections()
	}
	if newPid := p.PidFile().Get(); newPid != rt.pidFile {
		rt.removePidFile()
		if err := rt.writePidFile(newPid); err != nil {
			rt.log.Error("reload: pid file", "err", err)
		}
	}
	if old.cache != st.cache {
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
	} else if st.cache != nil {
		rt.log.Info("lease cache kept by reload", "entries", st.cache.c.Len())
	}
	rt.log.Info("configuration reloaded", "vault", st.up.addr, "listeners", len(rt.listeners))
	return nil
}
