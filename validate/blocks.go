package validate

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/compile"
)

func somethingToRun(p *plan) hcl.Diagnostics {
	_, hasCache := p.Cache()
	_, hasAuth := p.AutoAuth()
	if hasCache || hasAuth || len(p.Listeners()) > 0 {
		return nil
	}
	return hcl.Diagnostics{errorAt("Nothing to run",
		"The configuration has no auto_auth, cache or listener block, so the proxy would do nothing. Add a listener to proxy requests, or auto_auth with a sink to keep a token.",
		hcl.Range{})}
}

func cacheNeedsListener(p *plan) hcl.Diagnostics {
	c, ok := p.Cache()
	if !ok || len(p.Listeners()) > 0 {
		return nil
	}
	return hcl.Diagnostics{errorAt("cache needs a listener",
		"A cache block caches responses to requests that listeners proxy; with no listener block it has nothing to cache. Add a listener block, or remove the cache block.",
		c.DeclRange())}
}

func apiProxyNeedsListener(p *plan) hcl.Diagnostics {
	a := p.APIProxy()
	if !a.Declared() || len(p.Listeners()) > 0 {
		return nil
	}
	return hcl.Diagnostics{errorAt("api_proxy needs a listener",
		"An api_proxy block says how listeners proxy requests; with no listener block nothing is proxied. Add a listener block, or remove the api_proxy block.",
		a.DeclRange())}
}

func autoAuthTokenNeedsAutoAuth(p *plan) hcl.Diagnostics {
	a := p.APIProxy()
	mode := a.UseAutoAuthToken()
	if _, ok := p.AutoAuth(); ok || mode.Get() == compile.TokenModeClient {
		return nil
	}
	return hcl.Diagnostics{errorAt("use_auto_auth_token needs auto_auth",
		fmt.Sprintf("use_auto_auth_token is %s, but there is no auto_auth block to get a token from. Add an auto_auth block, or set use_auto_auth_token = false to forward client tokens only.", mode.Get()),
		mode.Range(a.DeclRange()))}
}

func autoAuthTokenNotWrapped(p *plan) hcl.Diagnostics {
	aa, ok := p.AutoAuth()
	a := p.APIProxy()
	mode := a.UseAutoAuthToken()
	wrap := aa.Method().WrapTTL()
	if !ok || mode.Get() == compile.TokenModeClient || wrap.Get() <= 0 {
		return nil
	}
	return hcl.Diagnostics{errorAt("use_auto_auth_token with a wrapped auto-auth token",
		fmt.Sprintf("The auth method sets wrap_ttl at %s, so the auto-auth token is a response-wrapping token; the proxy would inject it instead of a usable token. Remove the method's wrap_ttl (wrap at the sink instead), or set use_auto_auth_token = false.",
			wrap.Range(aa.Method().DeclRange())),
		mode.Range(a.DeclRange()))}
}

func autoAuthNeedsDestination(p *plan) hcl.Diagnostics {
	aa, ok := p.AutoAuth()
	if !ok || len(aa.Sinks()) > 0 || p.APIProxy().UseAutoAuthToken().Get() != compile.TokenModeClient {
		return nil
	}
	if c, hasCache := p.Cache(); hasCache && c.CacheStaticSecrets().Get() {
		return nil
	}
	return hcl.Diagnostics{errorAt("auto_auth token goes nowhere",
		"auto_auth has no sink, use_auto_auth_token is not on, and cache_static_secrets is not on, so the token it obtains is never used. Add a sink block, or set api_proxy { use_auto_auth_token = true } with a listener.",
		aa.DeclRange())}
}

func staticNeedsAutoAuth(p *plan) hcl.Diagnostics {
	c, ok := p.Cache()
	if !ok || !c.CacheStaticSecrets().Get() {
		return nil
	}
	if _, hasAuth := p.AutoAuth(); hasAuth {
		return nil
	}
	return hcl.Diagnostics{errorAt("cache_static_secrets needs auto_auth",
		"Static secret caching subscribes to Vault's event stream with the auto-auth token; add an auto_auth block.",
		c.CacheStaticSecrets().Range(c.DeclRange()))}
}

func cacheCachesSomething(p *plan) hcl.Diagnostics {
	c, ok := p.Cache()
	if !ok || c.CacheStaticSecrets().Get() || !c.DisableCachingDynamicSecrets().Get() {
		return nil
	}
	return hcl.Diagnostics{errorAt("cache caches nothing",
		"disable_caching_dynamic_secrets is true and cache_static_secrets is false, so the cache would cache nothing. Remove the cache block, or turn one of them on.",
		c.DisableCachingDynamicSecrets().Range(c.DeclRange()))}
}

func methodWrapOneSink(p *plan) hcl.Diagnostics {
	aa, ok := p.AutoAuth()
	if !ok {
		return nil
	}
	m := aa.Method()
	wrap := m.WrapTTL()
	if wrap.Get() <= 0 {
		return nil
	}
	sinks := aa.Sinks()
	var diags hcl.Diagnostics
	if len(sinks) != 1 {
		diags = append(diags, errorAt("method wrap_ttl needs exactly one sink",
			fmt.Sprintf("The method wraps its token (wrap_ttl), which only works with exactly one sink; this auto_auth has %d. Set wrap_ttl on each sink instead.", len(sinks)),
			wrap.Range(m.DeclRange())))
	}
	for _, s := range sinks {
		if s.WrapTTL().Get() > 0 {
			diags = append(diags, errorAt("wrap_ttl on both method and sink",
				fmt.Sprintf("The method already wraps the token (wrap_ttl at %s); a sink cannot wrap it again. Remove one of them.", wrap.Range(m.DeclRange())),
				s.WrapTTL().Range(s.DeclRange())))
		}
	}
	return diags
}

func backoffOrder(p *plan) hcl.Diagnostics {
	aa, ok := p.AutoAuth()
	if !ok {
		return nil
	}
	m := aa.Method()
	lo, hi := m.MinBackoff(), m.MaxBackoff()
	if lo.Get() <= hi.Get() {
		return nil
	}
	return hcl.Diagnostics{errorAt("min_backoff greater than max_backoff",
		fmt.Sprintf("min_backoff is %s but max_backoff is %s (%s); Vault Proxy refuses to start with this. Lower min_backoff or raise max_backoff.",
			lo.Get(), hi.Get(), hi.Origin()),
		lo.Range(m.DeclRange()))}
}

func sinkDH(p *plan) hcl.Diagnostics {
	aa, ok := p.AutoAuth()
	if !ok {
		return nil
	}
	var diags hcl.Diagnostics
	for _, s := range aa.Sinks() {
		dh := s.DHType().Get() != ""
		if dh && s.DHPath().Get() == "" {
			diags = append(diags, errorAt("dh_type needs dh_path",
				"A sink with dh_type encrypts the token for the public key in dh_path; set dh_path.",
				s.DHType().Range(s.DeclRange())))
		}
		if !dh && s.DHPath().Get() != "" {
			diags = append(diags, errorAt("dh_path needs dh_type",
				"dh_path is only used to encrypt the token with dh_type; set dh_type = \"curve25519\" or remove dh_path.",
				s.DHPath().Range(s.DeclRange())))
		}
		if dh {
			continue
		}
		if s.DeriveKey().Get() {
			diags = append(diags, errorAt("derive_key needs dh_type", "derive_key only applies to DH encryption; set dh_type or remove derive_key.", s.DeriveKey().Range(s.DeclRange())))
		}
		if s.AADEnvVar().IsSet() {
			diags = append(diags, errorAt("aad_env_var needs dh_type", "aad_env_var only applies to DH encryption; set dh_type or remove aad_env_var.", s.AADEnvVar().Range(s.DeclRange())))
		} else if s.AAD().IsSet() {
			diags = append(diags, errorAt("aad needs dh_type", "aad only applies to DH encryption; set dh_type or remove aad.", s.AAD().Range(s.DeclRange())))
		}
	}
	return diags
}

func certMethodWithCache(p *plan) hcl.Diagnostics {
	aa, ok := p.AutoAuth()
	if _, hasCache := p.Cache(); !ok || !hasCache {
		return nil
	}
	m := aa.Method()
	if m.Type().Get() != "cert" || (m.Config().String("client_cert").Get() != "" && m.Config().String("client_key").Get() != "") {
		return nil
	}
	return hcl.Diagnostics{warnAt("cert method shares the proxy's client certificate",
		"The cert method has no client_cert and client_key of its own, so it logs in with the vault block's client certificate, which is also sent with every proxied request. Give the method its own client_cert and client_key.",
		m.DeclRange())}
}

func persistPath(p *plan) hcl.Diagnostics {
	c, ok := p.Cache()
	if !ok {
		return nil
	}
	ps, ok := c.Persist()
	if !ok || strings.TrimSpace(ps.Path().Get()) != "" {
		return nil
	}
	if ps.Path().Get() != "" {
		// Vault Proxy accepts it and creates a directory named by the blanks in its working directory.
		return hcl.Diagnostics{errorAt("persist needs a path",
			fmt.Sprintf("path is the directory of the cache file (vault-agent-cache.db) and is only blanks (%q); Vault Proxy would create a directory of that name in its working directory. Set path to a directory, an emptyDir mount say.", ps.Path().Get()),
			ps.Path().Range(ps.DeclRange()))}
	}
	return hcl.Diagnostics{errorAt("persist needs a path",
		"path is the directory of the cache file (vault-agent-cache.db) and is empty; Vault Proxy refuses this only at start-up. Set path to a directory, an emptyDir mount say.",
		ps.Path().Range(ps.DeclRange()))}
}
