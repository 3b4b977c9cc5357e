package validate

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/diagcode"
)

var codeNothingToRun = diagcode.New("nothing_to_run",
	"A configuration with no auto_auth, cache or listener block, so the proxy would do nothing.",
	"vault {\n  address = \"https://vault:8200\"\n}")

func somethingToRun(p *plan) hcl.Diagnostics {
	_, hasCache := p.Cache()
	_, hasAuth := p.AutoAuth()
	if hasCache || hasAuth || len(p.Listeners()) > 0 {
		return nil
	}
	return hcl.Diagnostics{errorAt(codeNothingToRun, "Nothing to run",
		"The configuration has no auto_auth, cache or listener block, so the proxy would do nothing. Add a listener to proxy requests, or auto_auth with a sink to keep a token.",
		hcl.Range{})}
}

var codeCacheNeedsListener = diagcode.New("cache_needs_listener",
	"A cache block without a listener, which has nothing to cache.",
	"cache {}\nauto_auth {\n  method \"token_file\" {\n    config = { token_file_path = \"/tmp/t\" }\n  }\n  sink \"file\" {\n    config = { path = \"/tmp/token\" }\n  }\n}")

func cacheNeedsListener(p *plan) hcl.Diagnostics {
	c, ok := p.Cache()
	if !ok || len(p.Listeners()) > 0 {
		return nil
	}
	return hcl.Diagnostics{errorAt(codeCacheNeedsListener, "cache needs a listener",
		"A cache block caches responses to requests that listeners proxy; with no listener block it has nothing to cache. Add a listener block, or remove the cache block.",
		c.DeclRange())}
}

var codeAPIProxyNeedsListener = diagcode.New("api_proxy_needs_listener",
	"An api_proxy block without a listener, so nothing is proxied.",
	"api_proxy {\n  use_auto_auth_token = false\n}\ncache {}")

func apiProxyNeedsListener(p *plan) hcl.Diagnostics {
	a := p.APIProxy()
	if !a.Declared() || len(p.Listeners()) > 0 {
		return nil
	}
	return hcl.Diagnostics{errorAt(codeAPIProxyNeedsListener, "api_proxy needs a listener",
		"An api_proxy block says how listeners proxy requests; with no listener block nothing is proxied. Add a listener block, or remove the api_proxy block.",
		a.DeclRange())}
}

var codeAutoAuthTokenNeedsAutoAuth = diagcode.New("auto_auth_token_needs_auto_auth",
	"use_auto_auth_token is on without an auto_auth block to get the token from.",
	"listener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}\napi_proxy {\n  use_auto_auth_token = true\n}")

func autoAuthTokenNeedsAutoAuth(p *plan) hcl.Diagnostics {
	a := p.APIProxy()
	mode := a.UseAutoAuthToken()
	if _, ok := p.AutoAuth(); ok || mode.Get() == compile.TokenModeClient {
		return nil
	}
	return hcl.Diagnostics{errorAt(codeAutoAuthTokenNeedsAutoAuth, "use_auto_auth_token needs auto_auth",
		fmt.Sprintf("use_auto_auth_token is %s, but there is no auto_auth block to get a token from. Add an auto_auth block, or set use_auto_auth_token = false to forward client tokens only.", mode.Get()),
		mode.Range(a.DeclRange()))}
}

var codeAutoAuthTokenWrapped = diagcode.New("auto_auth_token_wrapped",
	"use_auto_auth_token is on while the method wraps its token (wrap_ttl), so a wrapping token would be injected.",
	"listener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}\napi_proxy {\n  use_auto_auth_token = true\n}\nauto_auth {\n  method \"token_file\" {\n    wrap_ttl = \"5m\"\n    config   = { token_file_path = \"/tmp/t\" }\n  }\n  sink \"file\" {\n    config = { path = \"/tmp/token\" }\n  }\n}")

func autoAuthTokenNotWrapped(p *plan) hcl.Diagnostics {
	aa, ok := p.AutoAuth()
	a := p.APIProxy()
	mode := a.UseAutoAuthToken()
	wrap := aa.Method().WrapTTL()
	if !ok || mode.Get() == compile.TokenModeClient || wrap.Get() <= 0 {
		return nil
	}
	return hcl.Diagnostics{errorAt(codeAutoAuthTokenWrapped, "use_auto_auth_token with a wrapped auto-auth token",
		fmt.Sprintf("The auth method sets wrap_ttl at %s, so the auto-auth token is a response-wrapping token; the proxy would inject it instead of a usable token. Remove the method's wrap_ttl (wrap at the sink instead), or set use_auto_auth_token = false.",
			wrap.Range(aa.Method().DeclRange())),
		mode.Range(a.DeclRange()))}
}

var codeAutoAuthTokenUnused = diagcode.New("auto_auth_token_unused",
	"auto_auth has no sink, use_auto_auth_token and cache_static_secrets are off: its token goes nowhere.",
	"auto_auth {\n  method \"token_file\" {\n    config = { token_file_path = \"/tmp/t\" }\n  }\n}")

func autoAuthNeedsDestination(p *plan) hcl.Diagnostics {
	aa, ok := p.AutoAuth()
	if !ok || len(aa.Sinks()) > 0 || p.APIProxy().UseAutoAuthToken().Get() != compile.TokenModeClient {
		return nil
	}
	if c, hasCache := p.Cache(); hasCache && c.CacheStaticSecrets().Get() {
		return nil
	}
	return hcl.Diagnostics{errorAt(codeAutoAuthTokenUnused, "auto_auth token goes nowhere",
		"auto_auth has no sink, use_auto_auth_token is not on, and cache_static_secrets is not on, so the token it obtains is never used. Add a sink block, or set api_proxy { use_auto_auth_token = true } with a listener.",
		aa.DeclRange())}
}

var codeStaticSecretsNeedAutoAuth = diagcode.New("static_secrets_need_auto_auth",
	"cache_static_secrets is on without an auto_auth block.",
	"listener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}\ncache {\n  cache_static_secrets = true\n}")

func staticNeedsAutoAuth(p *plan) hcl.Diagnostics {
	c, ok := p.Cache()
	if !ok || !c.CacheStaticSecrets().Get() {
		return nil
	}
	if _, hasAuth := p.AutoAuth(); hasAuth {
		return nil
	}
	return hcl.Diagnostics{errorAt(codeStaticSecretsNeedAutoAuth, "cache_static_secrets needs auto_auth",
		"Static secret caching subscribes to Vault's event stream with the auto-auth token; add an auto_auth block.",
		c.CacheStaticSecrets().Range(c.DeclRange()))}
}

var codeCacheCachesNothing = diagcode.New("cache_caches_nothing",
	"A cache block that caches neither dynamic nor static secrets.",
	"listener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}\ncache {\n  disable_caching_dynamic_secrets = true\n}")

func cacheCachesSomething(p *plan) hcl.Diagnostics {
	c, ok := p.Cache()
	if !ok || c.CacheStaticSecrets().Get() || !c.DisableCachingDynamicSecrets().Get() {
		return nil
	}
	return hcl.Diagnostics{errorAt(codeCacheCachesNothing, "cache caches nothing",
		"disable_caching_dynamic_secrets is true and cache_static_secrets is false, so the cache would cache nothing. Remove the cache block, or turn one of them on.",
		c.DisableCachingDynamicSecrets().Range(c.DeclRange()))}
}

// The codes of methodWrapOneSink's errors.
var (
	codeMethodWrapTTLNeedsOneSink = diagcode.New("method_wrap_ttl_needs_one_sink",
		"A method that wraps its token (wrap_ttl) has no sink or several.",
		"auto_auth {\n  method \"token_file\" {\n    wrap_ttl = \"5m\"\n    config   = { token_file_path = \"/tmp/t\" }\n  }\n}")
	codeWrapTTLOnMethodAndSink = diagcode.New("wrap_ttl_on_method_and_sink",
		"Both the method and a sink set wrap_ttl; the token cannot be wrapped twice.",
		"auto_auth {\n  method \"token_file\" {\n    wrap_ttl = \"5m\"\n    config   = { token_file_path = \"/tmp/t\" }\n  }\n  sink \"file\" {\n    wrap_ttl = \"5m\"\n    config   = { path = \"/tmp/token\" }\n  }\n}")
)

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
		diags = append(diags, errorAt(codeMethodWrapTTLNeedsOneSink, "method wrap_ttl needs exactly one sink",
			fmt.Sprintf("The method wraps its token (wrap_ttl), which only works with exactly one sink; this auto_auth has %d. Set wrap_ttl on each sink instead.", len(sinks)),
			wrap.Range(m.DeclRange())))
	}
	for _, s := range sinks {
		if s.WrapTTL().Get() > 0 {
			diags = append(diags, errorAt(codeWrapTTLOnMethodAndSink, "wrap_ttl on both method and sink",
				fmt.Sprintf("The method already wraps the token (wrap_ttl at %s); a sink cannot wrap it again. Remove one of them.", wrap.Range(m.DeclRange())),
				s.WrapTTL().Range(s.DeclRange())))
		}
	}
	return diags
}

var codeMinBackoffAboveMaxBackoff = diagcode.New("min_backoff_above_max_backoff",
	"A method's min_backoff is greater than its max_backoff, which Vault Proxy refuses at start-up.",
	"auto_auth {\n  method \"token_file\" {\n    min_backoff = \"10m\"\n    max_backoff = \"1m\"\n    config      = { token_file_path = \"/tmp/t\" }\n  }\n  sink \"file\" {\n    config = { path = \"/tmp/token\" }\n  }\n}")

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
	return hcl.Diagnostics{errorAt(codeMinBackoffAboveMaxBackoff, "min_backoff greater than max_backoff",
		fmt.Sprintf("min_backoff is %s but max_backoff is %s (%s); Vault Proxy refuses to start with this. Lower min_backoff or raise max_backoff.",
			lo.Get(), hi.Get(), hi.Origin()),
		lo.Range(m.DeclRange()))}
}

var codeAzureObjectAndClientID = diagcode.New("azure_object_and_client_id",
	"An azure method sets both object_id and client_id, which Vault Proxy refuses at start-up.",
	"auto_auth {\n  method \"azure\" {\n    config = {\n      role      = \"app\"\n      resource  = \"https://management.azure.com/\"\n      object_id = \"11111111-1111-1111-1111-111111111111\"\n      client_id = \"22222222-2222-2222-2222-222222222222\"\n    }\n  }\n  sink \"file\" {\n    config = { path = \"/tmp/token\" }\n  }\n}")

// azureIdentity refuses object_id with client_id: both pick the user-assigned managed identity, and
// NewAzureAuthMethod (hashicorp/vault command/agentproxyshared/auth/azure/azure.go) refuses the pair
// ("only one of 'object_id' or 'client_id' may be provided").
func azureIdentity(p *plan) hcl.Diagnostics {
	aa, ok := p.AutoAuth()
	if !ok || aa.Method().Type().Get() != "azure" {
		return nil
	}
	c := aa.Method().Config()
	obj, client := c.String("object_id"), c.String("client_id")
	if obj.Get() == "" || client.Get() == "" {
		return nil
	}
	return hcl.Diagnostics{errorAt(codeAzureObjectAndClientID, "object_id and client_id together",
		fmt.Sprintf("object_id (%s) and client_id each pick the managed identity, and Vault Proxy refuses both at once when it starts (only one of 'object_id' or 'client_id' may be provided). Keep one.", obj.Origin()),
		client.Range(c.DeclRange()))}
}

// The codes of sinkDH's errors.
var (
	codeDHTypeWithoutDHPath = diagcode.New("dh_type_without_dh_path",
		"A sink sets dh_type without dh_path, the public key to encrypt the token for.",
		"auto_auth {\n  method \"token_file\" {\n    config = { token_file_path = \"/tmp/t\" }\n  }\n  sink \"file\" {\n    dh_type = \"curve25519\"\n    config  = { path = \"/tmp/token\" }\n  }\n}")
	codeDHOptionWithoutDHType = diagcode.New("dh_option_without_dh_type",
		"A sink sets dh_path, derive_key, aad or aad_env_var, which apply only to DH encryption, without dh_type.",
		"auto_auth {\n  method \"token_file\" {\n    config = { token_file_path = \"/tmp/t\" }\n  }\n  sink \"file\" {\n    dh_path = \"/tmp/dh.pub\"\n    config  = { path = \"/tmp/token\" }\n  }\n}")
)

func sinkDH(p *plan) hcl.Diagnostics {
	aa, ok := p.AutoAuth()
	if !ok {
		return nil
	}
	var diags hcl.Diagnostics
	for _, s := range aa.Sinks() {
		dh := s.DHType().Get() != ""
		if dh && s.DHPath().Get() == "" {
			diags = append(diags, errorAt(codeDHTypeWithoutDHPath, "dh_type needs dh_path",
				"A sink with dh_type encrypts the token for the public key in dh_path; set dh_path.",
				s.DHType().Range(s.DeclRange())))
		}
		if !dh && s.DHPath().Get() != "" {
			diags = append(diags, errorAt(codeDHOptionWithoutDHType, "dh_path needs dh_type",
				"dh_path is only used to encrypt the token with dh_type; set dh_type = \"curve25519\" or remove dh_path.",
				s.DHPath().Range(s.DeclRange())))
		}
		if dh {
			continue
		}
		if s.DeriveKey().Get() {
			diags = append(diags, errorAt(codeDHOptionWithoutDHType, "derive_key needs dh_type", "derive_key only applies to DH encryption; set dh_type or remove derive_key.", s.DeriveKey().Range(s.DeclRange())))
		}
		if s.AADEnvVar().IsSet() {
			diags = append(diags, errorAt(codeDHOptionWithoutDHType, "aad_env_var needs dh_type", "aad_env_var only applies to DH encryption; set dh_type or remove aad_env_var.", s.AADEnvVar().Range(s.DeclRange())))
		} else if s.AAD().IsSet() {
			diags = append(diags, errorAt(codeDHOptionWithoutDHType, "aad needs dh_type", "aad only applies to DH encryption; set dh_type or remove aad.", s.AAD().Range(s.DeclRange())))
		}
	}
	return diags
}

var codeCertMethodSharesClientCertificate = diagcode.New("cert_method_shares_client_certificate",
	"The cert method has no client certificate of its own and logs in with the vault block's, which every proxied request also sends.",
	"listener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}\ncache {}\nauto_auth {\n  method \"cert\" {\n    config = { name = \"web\" }\n  }\n  sink \"file\" {\n    config = { path = \"/tmp/token\" }\n  }\n}")

func certMethodWithCache(p *plan) hcl.Diagnostics {
	aa, ok := p.AutoAuth()
	if _, hasCache := p.Cache(); !ok || !hasCache {
		return nil
	}
	m := aa.Method()
	if m.Type().Get() != "cert" || (m.Config().String("client_cert").Get() != "" && m.Config().String("client_key").Get() != "") {
		return nil
	}
	return hcl.Diagnostics{warnAt(codeCertMethodSharesClientCertificate, "cert method shares the proxy's client certificate",
		"The cert method has no client_cert and client_key of its own, so it logs in with the vault block's client certificate, which is also sent with every proxied request. Give the method its own client_cert and client_key.",
		m.DeclRange())}
}

var codePersistPathMissing = diagcode.New("persist_path_missing",
	"A cache persist block has an empty or blank path.",
	"listener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}\ncache {\n  persist \"kubernetes\" {\n    path = \"\"\n  }\n}\nauto_auth {\n  method \"kubernetes\" {\n    config = { role = \"web\" }\n  }\n  sink \"file\" {\n    config = { path = \"/tmp/token\" }\n  }\n}")

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
		return hcl.Diagnostics{errorAt(codePersistPathMissing, "persist needs a path",
			fmt.Sprintf("path is the directory of the cache file (vault-agent-cache.db) and is only blanks (%q); Vault Proxy would create a directory of that name in its working directory. Set path to a directory, an emptyDir mount say.", ps.Path().Get()),
			ps.Path().Range(ps.DeclRange()))}
	}
	return hcl.Diagnostics{errorAt(codePersistPathMissing, "persist needs a path",
		"path is the directory of the cache file (vault-agent-cache.db) and is empty; Vault Proxy refuses this only at start-up. Set path to a directory, an emptyDir mount say.",
		ps.Path().Range(ps.DeclRange()))}
}

var (
	codePersistKeyFileMissing = diagcode.New("persist_key_file_missing",
		"A cache persist \"file\" block has no key_file (nor VAULTPROXY_CACHE_PERSIST_KEY_FILE).",
		"listener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}\ncache {\n  persist \"file\" {\n    path = \"/var/lib/vaultproxy\"\n  }\n}")
	codePersistTokenFileUnused = diagcode.New("persist_token_file_unused",
		"service_account_token_file is set in a cache persist \"file\" block, whose key comes from key_file.",
		"listener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}\ncache {\n  persist \"file\" {\n    path                       = \"/var/lib/vaultproxy\"\n    key_file                   = \"/etc/vaultproxy/cache.key\"\n    service_account_token_file = \"/var/run/token\"\n  }\n}")
	codePersistKeyFileMisplaced = diagcode.New("persist_key_file_misplaced",
		"key_file is set in a cache persist block of another type than \"file\".",
		"listener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}\ncache {\n  persist \"kubernetes\" {\n    path     = \"/vault/cache\"\n    key_file = \"/etc/vaultproxy/cache.key\"\n  }\n}")
)

// persistKey checks that persist "file" has the key file that protects its cache file and no
// service_account_token_file, and that no other type sets a key file (kubernetes takes its key from the service-account token: a key_file there
// would be silently unused). Whether the file can be read, and holds a key, is checked at start-up.
func persistKey(p *plan) hcl.Diagnostics {
	c, ok := p.Cache()
	if !ok {
		return nil
	}
	ps, ok := c.Persist()
	if !ok {
		return nil
	}
	kf := ps.KeyFile()
	switch {
	case ps.Type().Get() == "file" && strings.TrimSpace(kf.Get()) == "":
		return hcl.Diagnostics{errorAt(codePersistKeyFileMissing, "persist \"file\" needs key_file",
			"The cache file of persist \"file\" is encrypted with a key read from key_file (base64 of 32 random bytes: openssl rand -base64 32 > cache.key). Set key_file, or VAULTPROXY_CACHE_PERSIST_KEY_FILE, to that file.",
			kf.Range(ps.DeclRange()))}
	case ps.Type().Get() == "file" && ps.ServiceAccountTokenFile().IsSet():
		sa := ps.ServiceAccountTokenFile()
		return hcl.Diagnostics{errorAt(codePersistTokenFileUnused, "service_account_token_file has no effect with persist \"file\"",
			"persist \"file\" protects its cache file with the key in key_file; the service-account token would not be read. Remove service_account_token_file.",
			sa.Range(ps.DeclRange()))}
	case ps.Type().Get() != "file" && kf.Get() != "":
		return hcl.Diagnostics{errorAt(codePersistKeyFileMisplaced, "key_file goes with persist \"file\" only",
			fmt.Sprintf("persist %q protects its file with the service-account token (service_account_token_file); key_file would not be used. Remove it, or use persist \"file\".", ps.Type().Get()),
			kf.Range(ps.DeclRange()))}
	}
	return nil
}
