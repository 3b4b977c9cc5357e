package request

import "github.com/vaultproxy/vaultproxy/compile"

// Rules is what a decision reads of a plan and of the listener a request came to, taken from them
// once (RulesOf). compile's accessors return its blocks by value (a Listener is about 3 KB, the
// cache and auto_auth blocks about 2 KB each), so a proxy that read them for every request would
// copy more bytes per request than it decides on; it keeps the Rules of each listener instead, and
// Decide reads the same few settings through them.
type Rules struct {
	listener             string
	requireRequestHeader bool
	metricsOnly          bool
	enableQuit           bool

	hasCache, hasAuth  bool
	cacheDynamic       bool // !disable_caching_dynamic_secrets
	cacheStatic        bool // cache_static_secrets
	proxyNamespace     string
	prependNamespace   bool
	tokenMode          compile.TokenMode
	enforceConsistency compile.Consistency
	whenInconsistent   compile.WhenInconsistent
	numRetries         int
}

// RulesOf takes the settings Decide reads from plan p and its listener l.
func RulesOf(p *compile.Plan, l *compile.Listener) *Rules {
	ru := rulesOf(p, l)
	return &ru
}

// rulesOf is RulesOf by value, for Decide's Rules of one request (not on the heap).
func rulesOf(p *compile.Plan, l *compile.Listener) Rules {
	ru := Rules{
		listener:             l.Address().Get(),
		requireRequestHeader: l.RequireRequestHeader().Get(),
		metricsOnly:          l.Role().Get() == compile.RoleMetricsOnly,
		enableQuit:           l.EnableQuit().Get(),
		proxyNamespace:       p.ProxyNamespace().Get(),
		numRetries:           p.Vault().NumRetries().Get(),
	}
	a := p.APIProxy()
	ru.prependNamespace = a.PrependConfiguredNamespace().Get()
	ru.tokenMode = a.UseAutoAuthToken().Get()
	ru.enforceConsistency = a.EnforceConsistency().Get()
	ru.whenInconsistent = a.WhenInconsistent().Get()
	_, ru.hasAuth = p.AutoAuth()
	var c compile.Cache
	if c, ru.hasCache = p.Cache(); ru.hasCache {
		ru.cacheDynamic = !c.DisableCachingDynamicSecrets().Get()
		ru.cacheStatic = c.CacheStaticSecrets().Get()
	}
	return ru
}

// Decide is Decide(p, l, r) for the plan and listener of ru.
func (ru *Rules) Decide(r Request) Decision { return decide(ru, r, true) }

// DecideQuiet is DecideQuiet(p, l, r) for the plan and listener of ru.
func (ru *Rules) DecideQuiet(r Request) Decision { return decide(ru, r, false) }
