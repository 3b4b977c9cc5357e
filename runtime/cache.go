package runtime

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/runtime/cache"
)

// cacheRun is the lease cache of a plan with a cache block (package runtime/cache) and what it
// forwards to. The cache is an http.RoundTripper decorator: it wraps AsTransport of the Proxier chain
// below it (forwarder, consistency) and is presented to the proxy with FromTransport, so it sees each
// request after the proxy chose its token and namespace (the reverse proxy's Rewrite sets
// X-Vault-Token and X-Vault-Namespace before its Transport, the chain, is called) and its answers,
// hits included, still pass the proxy's ModifyResponse (the lookup-self/renew-self sanitiser).
//
// A cacheRun outlives a reload when its identity is unchanged (see cacheIdentityOf): the entries, their
// renewers and the managed tokens are kept, and only what the cache forwards to (the chain below it)
// and the transport of its renewals follow the new plan, switched when the new plan is committed.
type cacheRun struct {
	id    cacheIdentity
	c     *cache.Cache
	clear http.Handler
	log   *slog.Logger
	// below is the chain the cache forwards to; transport carries the renewals. Both are those of
	// the state being served, stored by use when a state is committed.
	below     atomic.Pointer[Proxier]
	transport atomic.Pointer[http.RoundTripper]
	// ready is closed by the first use: the static secret cache's event stream starts with the
	// cache and waits for it rather than fail.
	ready     chan struct{}
	readyOnce sync.Once
}

// cacheIdentity is what, when unchanged by a reload, lets the cache keep its entries: its settings
// (the persist block included), the way to Vault, and the auto-auth run (whose token is managed; a
// new auto-auth run starts a new cache).
type cacheIdentity struct {
	disableDynamic bool
	serveStaleFor  time.Duration
	static         staticIdentity
	persist        *cache.PersistOptions // nil without a persist block
	vault          []any
	auth           *authRun
}

// staticIdentity is the static secret settings of a cache block.
type staticIdentity struct {
	on          bool
	interval    time.Duration
	pessimistic bool
}

func cacheIdentityOf(c compile.Cache, p *compile.Plan, auth *authRun) cacheIdentity {
	return cacheIdentity{
		disableDynamic: c.DisableCachingDynamicSecrets().Get(),
		serveStaleFor:  c.ServeStaleFor().Get(),
		static: staticIdentity{
			on:          c.CacheStaticSecrets().Get(),
			interval:    c.StaticSecretTokenCapabilityRefreshInterval().Get(),
			pessimistic: c.StaticSecretTokenCapabilityRefreshBehavior().Get() == compile.RefreshPessimistic,
		},
		persist: persistOptions(c, auth),
		vault:   vaultIdentity(p),
		auth:    auth,
	}
}

func (a cacheIdentity) equal(b cacheIdentity) bool {
	return a.disableDynamic == b.disableDynamic && a.serveStaleFor == b.serveStaleFor && a.static == b.static && a.auth == b.auth &&
		reflect.DeepEqual(a.vault, b.vault) && reflect.DeepEqual(a.persist, b.persist)
}

// persistOptions is the persist block as the cache takes it; nil without one. The auto-auth
// identity is the fingerprint of the plan's auto_auth method (autoauth.Config.Fingerprint), "" when
// there is none or it wraps its token: then no auto-auth token is stored or preloaded (auto-auth
// never hands a wrapped one to the proxy).
func persistOptions(c compile.Cache, auth *authRun) *cache.PersistOptions {
	ps, ok := c.Persist()
	if !ok {
		return nil
	}
	o := &cache.PersistOptions{
		Path:            ps.Path().Get(),
		KeepAfterImport: ps.KeepAfterImport().Get(),
		ExitOnErr:       ps.ExitOnErr().Get(),
	}
	if ps.Type().Get() == "file" { // a vaultproxy extension: the key file takes the token's place
		o.KeyFile = ps.KeyFile().Get()
	} else {
		o.ServiceAccountTokenFile = ps.ServiceAccountTokenFile().Get()
	}
	if auth != nil && auth.id.cfg.WrapTTL <= 0 {
		o.AutoAuthIdentity = auth.id.cfg.Fingerprint()
	}
	return o
}

// withCache is where the cache block plugs into the request path. Without a cache block it returns
// nothing (the chain stays as it is). With one it returns the caching Proxier and its cacheRun: the one of prev
// when its identity is unchanged, else a new cache. A new cache is not used before use is called
// (on commit); the caller closes it if the state is never committed.
func (rt *Runtime) withCache(p *compile.Plan, prev *state, up *upstream, auth *authRun) (Proxier, *cacheRun, error) {
	cb, ok := p.Cache()
	if !ok {
		return nil, nil, nil
	}
	id := cacheIdentityOf(cb, p, auth)
	if prev != nil && prev.cache != nil && prev.cache.id.equal(id) {
		return FromTransport(prev.cache.c), prev.cache, nil
	}
	if prev != nil && id.persist != nil {
		// A persistent cache restores its file and preloads auto-auth's token at start-up only:
		// mid-run, the file belongs to the running cache (and its lock with it), auto-auth already
		// has a token, and a new cache would start from an empty or foreign file.
		return nil, nil, fmt.Errorf("cache: this reload would start a new persistent cache (persist %q at %s): its settings, "+
			"persist, the way to Vault or auto_auth changed; restart vaultproxy run to apply it", id.persist.Type(), id.persist.Path)
	}
	cr := &cacheRun{id: id, log: rt.log.With("subsystem", "cache"), ready: make(chan struct{})}
	vc, err := api.NewClient(&api.Config{
		Address: up.url.String(),
		HttpClient: &http.Client{
			Transport:     roundTripperFunc(cr.renewalRoundTrip),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		MaxRetries: 0, // the renewers' LifetimeWatcher retries with its own back-off
		Timeout:    60 * time.Second,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("cache: renewal client: %w", err)
	}
	// The api package reads VAULT_TOKEN, VAULT_NAMESPACE and VAULT_HEADERS; the cache sets the
	// token, namespace and headers of each renewal itself, and these are cleared for good measure.
	vc.ClearToken()
	vc.ClearNamespace()
	vc.SetHeaders(http.Header{api.RequestHeaderName: []string{"true"}})
	var autoToken func() string
	if auth != nil {
		mgr := auth.mgr
		autoToken = func() string {
			tok, _ := mgr.Current() // non-blocking; "" while auto-auth has no usable token
			return tok
		}
	}
	c, err := cache.New(cache.Options{
		Next:                  AsTransport(ProxierFunc(cr.forward)),
		Vault:                 vc,
		AutoAuthToken:         autoToken,
		DisableDynamicSecrets: cb.DisableCachingDynamicSecrets().Get(),
		ServeStaleFor:         id.serveStaleFor,
		StaticSecrets:         staticOptions(id.static, auth),
		Logger:                cr.log,
		Registerer:            rt.metrics.reg,
		MetricsPrefix:         rt.metrics.prefix,
		Persist:               id.persist,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("cache: %w", err)
	}
	cr.c, cr.clear = c, c.ClearHandler()
	if id.persist != nil && auth != nil {
		// Only at start-up (see above): auth is new and not running yet.
		if tok := c.RestoredAutoAuthToken(); tok != "" {
			auth.mgr.Preload(tok)
		}
		auth.mgr.OnNewToken(c.StoreAutoAuthToken)
	}
	return FromTransport(c), cr, nil
}

// staticOptions is the cache's static secret settings, nil when cache_static_secrets is off. The
// event stream is subscribed to with the auto-auth token, in its login namespace, and a refusal
// of that token ("invalid token") asks auto-auth to check it, as after a proxied 403.
func staticOptions(s staticIdentity, auth *authRun) *cache.StaticOptions {
	if !s.on {
		return nil
	}
	o := &cache.StaticOptions{CapabilityRefreshInterval: s.interval, Pessimistic: s.pessimistic}
	if auth != nil {
		o.EventNamespace = auth.id.cfg.Namespace
		o.InvalidToken = auth.mgr.Invalidate
	}
	return o
}

// use points the cache at the chain and the renewal transport of the state being committed.
func (cr *cacheRun) use(below Proxier, transport http.RoundTripper) {
	cr.below.Store(&below)
	cr.transport.Store(&transport)
	cr.readyOnce.Do(func() { close(cr.ready) })
}

func (cr *cacheRun) forward(sr *SendRequest) (*http.Response, error) {
	p := cr.below.Load()
	if p == nil {
		return nil, errors.New("cache: not in use")
	}
	return (*p).Send(sr)
}

func (cr *cacheRun) renewalRoundTrip(r *http.Request) (*http.Response, error) {
	select {
	case <-cr.ready:
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	t := cr.transport.Load()
	if t == nil {
		return nil, errors.New("cache: not in use")
	}
	return (*t).RoundTrip(r)
}

// start starts the renewers of the entries restored from the persistent cache file and deletes a
// restored file that is not kept (cache.Start: its error stops run); nil is a no-op.
func (cr *cacheRun) start() error {
	if cr != nil {
		return cr.c.Start()
	}
	return nil
}

// close stops the cache's renewers and drops its entries (a persistent cache keeps them in its
// file); nil is a no-op.
func (cr *cacheRun) close() {
	if cr != nil {
		if err := cr.c.Close(); err != nil {
			cr.log.Error("cache persist: closing the cache file", "err", err)
		}
	}
}

// logCache says that the plan's requests go through the lease cache.
func (rt *Runtime) logCache(st *state) {
	persist := ""
	if ps := st.cache.id.persist; ps != nil {
		persist = ps.Path
	}
	rt.log.Info("lease cache on", "disable_caching_dynamic_secrets", st.cache.id.disableDynamic,
		"cache_static_secrets", st.cache.id.static.on, "auto_auth_token_managed", st.auth != nil, "persist_path", persist)
}
