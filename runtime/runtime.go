package runtime

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/runtime/autoauth"
)

// Options are the injectables of a Runtime; the zero value serves a plan as `vaultproxy run` does.
type Options struct {
	// Logger, when set, receives every log line and the plan's log settings are ignored; otherwise
	// the Runtime logs to LogOutput (standard error by default) and log_file, at log_level, in
	// log_format.
	Logger    *slog.Logger
	LogOutput io.Writer
	// Listen opens listener sockets (net.Listen by default).
	Listen func(network, address string) (net.Listener, error)
	// Transport, when set, carries every request to Vault instead of transports built from the
	// plan's vault block (tests).
	Transport http.RoundTripper
	// ShutdownTimeout bounds how long in-flight requests may run after shutdown starts (10s).
	ShutdownTimeout time.Duration
	// OnReady, when set, is called once, from its own goroutine, when Run has bound the listeners
	// and the Runtime is first ready as /proxy/v1/ready defines it. Setting it starts the background
	// check of Vault with Run (see ready.go). OnStopping, when set, is called once when shutdown
	// begins; OnReady is never called after it. `vaultproxy run` sends systemd's READY=1 and
	// STOPPING=1 with them. OnWaiting, when set with OnReady, is called from the same goroutine
	// before OnReady, each time what is missing (the errors of /proxy/v1/ready) changes.
	OnReady    func()
	OnWaiting  func(missing []string)
	OnStopping func()
	// Limits bound connections, request sizes and waits; zero fields take the documented defaults.
	Limits Limits
}

// Runtime serves one plan at a time. Build it with New, serve with Run, replace its plan with Swap.
type Runtime struct {
	opts    Options
	moves   bool // whether a listener may move to another host on its port (listener_move.go)
	log     *slog.Logger
	logs    *logSink
	metrics *metrics
	cur     atomic.Pointer[state]

	quit     chan struct{}
	quitOnce sync.Once
	fatal    chan error

	// stop ends when shutdown begins: a Swap building a new state stops waiting for it (swap.go).
	stop       context.Context
	stopCancel context.CancelFunc
	// swapMu keeps Swaps one at a time; a Swap builds its state holding swapMu but not mu, so that
	// shutdown never waits for an auto-auth method being built.
	swapMu sync.Mutex

	mu        sync.Mutex
	running   bool
	stopped   bool
	plan      *compile.Plan
	pending   *state
	listeners map[string]*listener
	pidFile   string
	serveWG   sync.WaitGroup

	vault        *vaultWatch // whether Vault answers, for readiness
	readyChanged broadcast   // wakes what waits for readiness
	lc           lifecycle
}

// state is everything that depends on the plan and is swapped whole.
type state struct {
	plan  *compile.Plan
	up    *upstream
	proxy *proxy
	tls   map[string]*tlsConfigOf
	auth  *authRun // nil without auto_auth; may be shared with the previous state
	// authCreds is what the files auto-auth logs in with held when this state was built.
	authCreds autoauth.Credentials
	// cache is the lease cache (nil without a cache block; may be shared with the previous state)
	// and below the chain it forwards to in this state.
	cache *cacheRun
	below Proxier
}

// use makes st the state its cache forwards through; called when st is committed.
func (st *state) use() {
	if st.cache != nil {
		st.cache.use(st.below, st.up.proxy)
	}
}

// discard releases what a state that was built but never committed holds alone: a new cache.
func (st *state) discard(prev *state) {
	if st.cache != nil && (prev == nil || prev.cache != st.cache) {
		st.cache.close()
	}
}

type tlsConfigOf struct {
	on   bool
	conf *tls.Config // when on
}

// listener is one bound socket and its server.
type listener struct {
	key     string
	raw     net.Listener // the socket as bound, below the connection limit and TLS
	ln      net.Listener
	srv     *http.Server
	handler *listenerHandler
	tls     *tlsSwitch // nil for plain HTTP
	unix    string     // socket path, removed at close
	// replaces is the listener this one moves to another host on the same port (listener_move.go).
	replaces *listener
}

// authRun is one auto-auth manager and the goroutine running it.
type authRun struct {
	id     authIdentity
	creds  autoauth.Credentials // what its credential files held at the last build that used it
	mgr    *autoauth.Manager
	watch  *authWatch // its logins, for readiness
	cancel context.CancelFunc
	done   chan struct{}
}

// ErrStartStopped is NewContext's error when its context ended before the Runtime was built.
var ErrStartStopped = errors.New("runtime: stopped while starting")

// New prepares a Runtime for a validated plan: transports to Vault, the request path, auto-auth,
// listener TLS configurations (certificate files are read here). It opens no socket and sends no
// request to Vault. It fails on what the plan asks and run cannot do (see docs/runtime.md).
func New(p *compile.Plan, opts Options) (*Runtime, error) {
	return NewContext(context.Background(), p, opts)
}

// NewContext is New that gives up when ctx ends first (SIGINT or SIGTERM while starting): building
// an auto-auth method may wait on a cloud metadata service without a deadline of its own (alicloud,
// oci's instance principal, aws), and nothing serves yet, so there is nothing to wait for. It then
// logs the line a shutdown logs, calls OnStopping and returns ErrStartStopped; the abandoned build
// is discarded whenever it finishes.
func NewContext(ctx context.Context, p *compile.Plan, opts Options) (*Runtime, error) {
	if p == nil {
		return nil, errors.New("runtime: nil plan")
	}
	moves := opts.Listen == nil // an injected Listen opens every socket itself
	if opts.Listen == nil {
		opts.Listen = net.Listen
	}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = 10 * time.Second
	}
	opts.Limits = opts.Limits.withDefaults()
	rt := &Runtime{opts: opts, moves: moves, quit: make(chan struct{}), fatal: make(chan error, 4), listeners: map[string]*listener{}}
	rt.stop, rt.stopCancel = context.WithCancel(context.Background())
	rt.vault = newVaultWatch(func() *upstream { return rt.current().up }, rt.readyChanged.notify)
	if opts.Logger != nil {
		rt.log = opts.Logger
	} else {
		out := opts.LogOutput
		if out == nil {
			out = os.Stderr
		}
		rt.logs = &logSink{out: out}
		notes, err := rt.logs.apply(p)
		if err != nil {
			return nil, err
		}
		rt.log = rt.logs.logger()
		for _, n := range notes {
			rt.log.Warn(n)
		}
	}
	rt.metrics = newMetrics(p.MetricNamePrefix())
	st, err := rt.buildContext(ctx, p, nil)
	if ctx.Err() != nil && st == nil {
		rt.log.Info("shutting down", "reason", "signal")
		rt.stopCancel()
		rt.stopping()
		if rt.logs != nil && rt.logs.file != nil {
			rt.logs.file.Close()
		}
		return nil, ErrStartStopped
	}
	if err != nil {
		return nil, err
	}
	st.use()
	rt.plan, rt.pending = p, st
	rt.cur.Store(st)
	return rt, nil
}

func (rt *Runtime) current() *state { return rt.cur.Load() }

// Logger returns the runtime's logger: what the caller reports about the running proxy (a reload's
// diagnostics, say) goes where the runtime's own lines go, in the configured format.
func (rt *Runtime) Logger() *slog.Logger { return rt.log }

// build makes the state of a plan. The auto-auth run of prev is reused when auto-auth and the way to
// Vault are unchanged, so a reload keeps the token.
func (rt *Runtime) build(p *compile.Plan, prev *state) (*state, error) {
	up, err := newUpstream(p, rt.opts.Transport)
	if err != nil {
		return nil, err
	}
	st := &state{plan: p, up: up, tls: map[string]*tlsConfigOf{}}
	acfg, hasAuth, err := authConfig(p)
	if err != nil {
		return nil, err
	}
	if hasAuth {
		// At a reload every file auto-auth logs in with must load; at start-up a missing one is
		// waited for by the login loop, with its backoff, as before.
		creds, err := autoauth.ReadCredentials(acfg, vaultCertFor(p, acfg)...)
		if err != nil && prev != nil {
			return nil, fmt.Errorf("auto_auth method %q: %w", acfg.Method, err)
		}
		st.authCreds = creds
		id := authIdentityOf(p, acfg)
		if prev != nil && prev.auth != nil && prev.auth.id.equal(id) {
			st.auth = prev.auth
		} else {
			addr := up.addr
			watch := &authWatch{next: rt.metrics, method: acfg.Method, wrapped: acfg.WrapTTL > 0,
				answer: func() { rt.vault.record(addr, true, "") }, changed: rt.readyChanged.notify}
			mgr, err := autoauth.NewManager(acfg, autoauth.Deps{
				Address: up.url.String(), Transport: up.auth, TLSConfig: up.tls,
				Logger: rt.log.With("subsystem", "auto-auth"), Observer: watch,
			})
			if err != nil {
				return nil, err
			}
			st.auth = &authRun{id: id, creds: creds, mgr: mgr, watch: watch}
		}
	}
	for _, l := range p.Listeners() {
		c, err := serverTLSConfig(l)
		if err != nil {
			return nil, fmt.Errorf("listener %s: %w", l.Address().Get(), err)
		}
		if c != nil {
			st.tls[listenerKey(l)] = &tlsConfigOf{on: true, conf: c}
		} else {
			st.tls[listenerKey(l)] = &tlsConfigOf{}
		}
	}
	// Every answer Vault gives on the request path keeps the readiness state up to date.
	var chain Proxier = &forwarder{transport: rt.vault.observe(up.proxy, up.addr), retries: p.Vault().NumRetries().Get(),
		dialBudget: rt.opts.Limits.DialRetryBudget, observe: rt.metrics.observeUpstream}
	a := p.APIProxy()
	if a.EnforceConsistency().Get() == compile.ConsistencyAlways {
		chain = &consistency{next: chain, when: a.WhenInconsistent().Get()}
	}
	cached, cr, err := rt.withCache(p, prev, up, st.auth)
	if err != nil {
		return nil, err
	}
	if cr != nil {
		st.cache, st.below, chain = cr, chain, cached
	}
	var tokens tokenSource
	if st.auth != nil {
		tokens = st.auth.mgr
	}
	st.proxy = newProxy(p, up, tokens, chain, rt.opts.Limits, rt.log.With("subsystem", "proxy"))
	st.proxy.hits = hitCache(cr, up.url)
	if cr != nil && cr.id.serveStaleFor > 0 && tokens != nil {
		st.proxy.staleOnly = cr.c.StaleOnly
	}
	return st, nil
}

// buildContext is build in a goroutine of its own, waited for until ctx ends. A build given up on
// is left to finish (an auto-auth method's constructor cannot be interrupted) and its state is then
// discarded: its auto-auth manager was never started, and a lease cache it made alone is closed.
func (rt *Runtime) buildContext(ctx context.Context, p *compile.Plan, prev *state) (*state, error) {
	type built struct {
		st  *state
		err error
	}
	ch := make(chan built, 1)
	go func() {
		st, err := rt.build(p, prev)
		ch <- built{st, err}
	}()
	select {
	case b := <-ch:
		return b.st, b.err
	case <-ctx.Done():
		go func() {
			if b := <-ch; b.st != nil {
				b.st.discard(prev)
			}
		}()
		return nil, ctx.Err()
	}
}

// Run binds the listeners, writes the pid file, starts auto-auth and serves until ctx ends, a quit
// request arrives, or auto-auth ends the process; then it shuts down gracefully: listeners stop
// accepting, in-flight requests get Options.ShutdownTimeout to finish, unix sockets and the pid
// file are removed. It returns nil on a clean stop (exit_after_auth and quit included).
func (rt *Runtime) Run(ctx context.Context) error {
	rt.mu.Lock()
	if rt.running {
		rt.mu.Unlock()
		return errors.New("runtime: Run called twice")
	}
	rt.running = true
	st := rt.pending
	bound, err := rt.bindAll(st, nil)
	if err != nil {
		rt.mu.Unlock()
		return err
	}
	// The pid file is written once the sockets are bound and before the first request is served,
	// so that whoever gets an answer from a listener also finds the pid file.
	if err := rt.writePidFile(st.plan.PidFile().Get()); err != nil {
		for _, l := range bound {
			l.ln.Close() // not served yet, so the http.Server does not know it
		}
		rt.mu.Unlock()
		rt.shutdown()
		return err
	}
	for k, l := range bound {
		rt.listeners[k] = l
		rt.serve(l)
	}
	if err := st.cache.start(); err != nil {
		rt.mu.Unlock()
		rt.shutdown()
		return err
	}
	rt.startAuth(st.auth)
	rt.startReadyWatch()
	if st.cache != nil {
		rt.logCache(st)
	}
	rt.log.Info("vaultproxy running", "vault", st.up.addr, "listeners", len(rt.listeners),
		"use_auto_auth_token", string(st.plan.APIProxy().UseAutoAuthToken().Get()))
	rt.mu.Unlock()

	var runErr error
	select {
	case <-ctx.Done():
		rt.log.Info("shutting down", "reason", "signal")
	case <-rt.quit:
		rt.log.Info("shutting down", "reason", "quit request")
	case err := <-rt.fatal:
		if errors.Is(err, autoauth.ErrExitAfterAuth) {
			rt.log.Info("shutting down", "reason", "exit_after_auth")
		} else {
			rt.log.Error("shutting down", "reason", "error", "err", err)
			runErr = err
		}
	}
	rt.shutdown()
	return runErr
}

// bindAll opens the listeners of st that are not open already (keep), all or none. A TCP listener
// whose address overlaps one of keep that st drops, on the same port, is bound alongside it
// (listener_move.go).
func (rt *Runtime) bindAll(st *state, keep map[string]*listener) (map[string]*listener, error) {
	out := map[string]*listener{}
	gone := func(k string) bool { _, ok := st.tls[k]; return !ok }
	for _, l := range st.plan.Listeners() {
		key := listenerKey(l)
		if _, ok := keep[key]; ok {
			continue
		}
		ln, err := bind(rt.opts.Listen, l)
		var replaces *listener
		if err != nil && isAddrInUse(err) && rt.moves {
			if replaces = movedFrom(l, keep, gone); replaces != nil {
				ln, err = bindMoved(l, replaces)
			}
		}
		if err != nil {
			unbind(out)
			return nil, fmt.Errorf("listener %s %s: %w", l.Type().Get(), l.Address().Get(), err)
		}
		lim := rt.opts.Limits
		plain := !st.tls[key].on
		lst := &listener{key: key, raw: ln, replaces: replaces,
			ln: limitConns(ln, lim.MaxConnections, lim.MaxConnectionsPerClient, plain, rt.log.With("listener", key))}
		if l.Type().Get() == compile.ListenerUnix {
			lst.unix = l.Address().Get()
		}
		lst.handler = &listenerHandler{rt: rt, counters: rt.metrics.forListener(listenerLabel(l.Address().Get()))}
		lst.handler.cfg.Store(listenerConfigOf(st.plan, l))
		if tc := st.tls[key]; tc.on {
			lst.tls = &tlsSwitch{}
			lst.tls.cur.Store(tc.conf)
			lst.ln = newTLSListener(lst.ln, lst.tls.config(), lim.ReadHeaderTimeout, rt.log.With("listener", key))
		} else {
			lst.ln = jsonErrorsFor(lst.ln)
		}
		// ReadTimeout bounds the request's headers and body from its start (its first byte, or for
		// a connection's first request the connection's start), as Vault Proxy's server's does
		// (hashicorp/vault command/proxy.go). It does not reach a request waiting for Vault: net/http
		// lifts an HTTP/1 connection's read deadline once the body is read to its end (or at once
		// without a body), and an HTTP/2 stream's only closes a body already read (reqbody.Read).
		// TestSlowVaultOutlivesBodyTimeout and TestBodyDeadlinesOverHTTP2 fail if it did.
		lst.srv = &http.Server{
			Handler:           lst.handler,
			ReadHeaderTimeout: lim.ReadHeaderTimeout,
			ReadTimeout:       lim.BodyReadTimeout,
			IdleTimeout:       lim.IdleTimeout,
			MaxHeaderBytes:    lim.MaxHeaderBytes,
			ConnContext:       connContext,
			ConnState:         connState,
			ErrorLog:          slog.NewLogLogger(rt.log.Handler(), slog.LevelDebug),
		}
		out[key] = lst
		if replaces != nil {
			rt.log.Info("listener moved by reload: both sockets listen until the old one has handed over", "from", replaces.key, "to", key)
		}
		rt.log.Info("listening", "type", string(l.Type().Get()), "address", ln.Addr().String(), "tls", lst.tls != nil, "role", string(l.Role().Get()))
	}
	return out, nil
}

// unbind closes sockets bound for a swap that will not happen, and lets the listeners they would have
// replaced keep their address to themselves again.
func unbind(bound map[string]*listener) {
	for _, b := range bound {
		b.ln.Close() // not served yet, so the http.Server does not know it
		if b.replaces != nil {
			_ = shareAddr(b.replaces.raw, false)
		}
	}
}

func (rt *Runtime) serve(l *listener) {
	rt.serveWG.Add(1)
	go func() {
		defer rt.serveWG.Done()
		if err := l.srv.Serve(l.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			select {
			case rt.fatal <- fmt.Errorf("listener %s: %w", l.key, err):
			default:
			}
		}
	}()
}

func (rt *Runtime) startAuth(a *authRun) {
	if a == nil || a.done != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel, a.done = cancel, make(chan struct{})
	go func() {
		defer close(a.done)
		if err := a.mgr.Run(ctx); err != nil {
			select {
			case rt.fatal <- err:
			default:
			}
		}
	}()
}

func (a *authRun) stop() {
	if a == nil || a.cancel == nil {
		return
	}
	a.cancel()
	<-a.done
}

// shutdown stops every listener gracefully, stops auto-auth, removes the pid file.
func (rt *Runtime) shutdown() {
	rt.stopCancel() // before taking mu: a Swap still building its state gives up
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.stopped {
		return
	}
	rt.stopped = true
	rt.stopping()
	ctx, cancel := context.WithTimeout(context.Background(), rt.opts.ShutdownTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, l := range rt.listeners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rt.closeListener(ctx, l)
		}()
	}
	wg.Wait()
	rt.serveWG.Wait()
	rt.vault.stop()
	if st := rt.current(); st != nil {
		st.auth.stop()
		st.cache.close()
		// Idle connections to Vault would otherwise keep their goroutines until Vault or the idle
		// timeout closes them, after Run has returned.
		closeIdleConnections(st.up.proxy)
		closeIdleConnections(st.up.auth)
	}
	rt.removePidFile()
	if rt.logs != nil && rt.logs.file != nil {
		rt.logs.file.Close()
	}
}

func closeIdleConnections(t http.RoundTripper) {
	if c, ok := t.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// closeListener stops accepting, lets in-flight requests finish until ctx ends, then closes what
// is left, and removes a unix socket.
func (rt *Runtime) closeListener(ctx context.Context, l *listener) {
	if err := l.srv.Shutdown(ctx); err != nil {
		rt.log.Warn("in-flight requests cut at shutdown", "listener", l.key, "err", err)
		l.srv.Close()
	}
	if l.unix != "" {
		if err := os.Remove(l.unix); err != nil && !os.IsNotExist(err) {
			rt.log.Warn("cannot remove unix socket", "path", l.unix, "err", err)
		}
	}
}

// serveQuit is /proxy/v1/quit: 404 when disabled, 405 for other methods than POST, and 200 with an
// empty body for POST, after which the Runtime shuts down. A second quit is harmless.
func (rt *Runtime) serveQuit(w http.ResponseWriter, r *http.Request, enabled bool) {
	if !enabled {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	w.WriteHeader(http.StatusOK)
	rt.quitOnce.Do(func() { close(rt.quit) })
}

func (rt *Runtime) writePidFile(path string) error {
	if path == "" {
		return nil
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		return fmt.Errorf("pid_file: %w", err)
	}
	rt.pidFile = path
	return nil
}

func (rt *Runtime) removePidFile() {
	if rt.pidFile == "" {
		return
	}
	if err := os.Remove(rt.pidFile); err != nil && !os.IsNotExist(err) {
		rt.log.Warn("cannot remove pid_file", "path", rt.pidFile, "err", err)
	}
	rt.pidFile = ""
}
