package compile

import (
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/diagcode"
	"github.com/vaultproxy/vaultproxy/schema"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// builder turns merged, decoded bodies into a Plan: defaults from the schema, overrides from Options.
type builder struct {
	opts  Options
	diags hcl.Diagnostics
}

func (b *builder) warn(code *diagcode.Code, summary, detail string, subject *hcl.Range) {
	b.diags = append(b.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: detail, Subject: subject, Extra: code})
}

func (b *builder) fail(code *diagcode.Code, summary, detail string, subject *hcl.Range) {
	b.diags = append(b.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: subject, Extra: code})
}

// emptyBody stands for a block that was not written, so that every accessor yields its default.
func emptyBody(sch *schema.Block) *decodedBody {
	return &decodedBody{sch: sch, vals: map[string]*decodedValue{}, blocks: map[string][]*decodedBlock{}}
}

func bodyOf(db *decodedBlock, sch *schema.Block) *decodedBody {
	if db == nil || db.body == nil {
		return emptyBody(sch)
	}
	return db.body
}

// declared returns a, after checking that the body's schema declares it: reading an attribute of
// another block would silently give its default, so it is a bug, and it panics (tests catch it).
func (b *decodedBody) declared(a *schema.Attribute) *schema.Attribute {
	if !slices.Contains(b.sch.Attributes, a) {
		panic(fmt.Sprintf("compile: attribute %q is not declared in the schema of block %q", a.Name, b.sch.Type))
	}
	return a
}

func getStr(b *decodedBody, a *schema.Attribute) Value[string] {
	if v := b.val(a); v != nil {
		return newValue(v.s, v.origin())
	}
	return newValue(a.Default, DefaultOrigin())
}

func getBool(b *decodedBody, a *schema.Attribute) Value[bool] {
	if v := b.val(a); v != nil {
		return newValue(v.b, v.origin())
	}
	return newValue(a.Default == "true", DefaultOrigin())
}

func getInt(b *decodedBody, a *schema.Attribute) Value[int] {
	if v := b.val(a); v != nil {
		return newValue(int(v.i), v.origin())
	}
	n, _ := strconv.Atoi(a.Default)
	return newValue(n, DefaultOrigin())
}

func getDur(b *decodedBody, a *schema.Attribute) Value[time.Duration] {
	if v := b.val(a); v != nil {
		return newValue(v.d, v.origin())
	}
	d, _ := time.ParseDuration(orZero(a.Default))
	return newValue(d, DefaultOrigin())
}

func getList(b *decodedBody, a *schema.Attribute) Value[[]string] {
	if v := b.val(a); v != nil {
		return newValue(slices.Clone(v.list), v.origin())
	}
	return newValue([]string{}, DefaultOrigin())
}

func getMode(b *decodedBody, a *schema.Attribute) Value[fs.FileMode] {
	if v := b.val(a); v != nil {
		return newValue(v.mode, v.origin())
	}
	m, _ := strconv.ParseUint(orZero(a.Default), 8, 32)
	return newValue(fs.FileMode(m), DefaultOrigin())
}

// tlsVersion types a version name that the decoder has checked against the schema's allowed values.
func tlsVersion(v Value[string]) Value[TLSVersion] {
	t, _ := ParseTLSVersion(v.v)
	return newValue(t, v.origin)
}

// defaultIfZero gives a zero duration the schema default, keeping its origin: the attribute that
// was written still decided the value.
func defaultIfZero(v Value[time.Duration], def string) Value[time.Duration] {
	if v.v == 0 {
		v.v, _ = time.ParseDuration(orZero(def))
	}
	return v
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

// A setting's value from its environment variable or flag has the code of what is wrong with it, as the
// same value in a configuration has (unsupported_value, invalid_value; validate's invalid_vault_address),
// whatever its source: the summary and detail name the variable or flag. invalid_environment_variable
// is left for the variables of Vault's client that set no setting of the plan (env.go).

// overrideStr applies Vault Proxy's precedence to v, the value of a: its flag, then its environment
// variable (schema.Attribute.Flag and Env), then v.
func (b *builder) overrideStr(v Value[string], a *schema.Attribute) Value[string] {
	flag, env := a.Flag, a.Env
	if f, ok := b.opts.flag(flag); ok && flag != "" {
		return newValue(f, FlagOrigin(flag))
	}
	if e, ok := b.opts.env(env); ok && env != "" {
		return newValue(e, EnvOrigin(env))
	}
	return v
}

func (b *builder) overrideBool(v Value[bool], a *schema.Attribute) Value[bool] {
	flag, env := a.Flag, a.Env
	if f, ok := b.opts.flag(flag); ok && flag != "" {
		if f == "" {
			return newValue(true, FlagOrigin(flag))
		}
		if pb, err := strconv.ParseBool(f); err == nil {
			return newValue(pb, FlagOrigin(flag))
		}
		b.warn(codeInvalidValue, "Invalid flag value", fmt.Sprintf("-%s=%s is not a boolean; it is ignored.", flag, f), nil)
	}
	if e, ok := b.opts.env(env); ok && env != "" {
		if pb, err := strconv.ParseBool(e); err == nil {
			return newValue(pb, EnvOrigin(env))
		}
		// Vault Proxy reads the variable to resolve its setting, and panics on a value that is not
		// a boolean; with the flag set, its Vault client fails to read it instead.
		b.settingEnvFailure(quotedEnv(env, e), "is not a boolean (true, false, 1, 0, t, f...)",
			"panic: runtime error: invalid memory address or nil pointer dereference")
	}
	return v
}

func (b *builder) build(m *merged) *Plan {
	p := &Plan{}
	root := &decodedBody{sch: schema.Root, vals: m.vals, blocks: map[string][]*decodedBlock{}}

	b.checkEnvHazards()
	b.checkClientEnv()

	vb := m.blocks[schema.Vault.Type]
	p.vault = b.buildVault(vb)
	p.apiProxy = b.buildAPIProxy(m.blocks[schema.APIProxy.Type])
	p.listeners = make([]Listener, 0, len(m.listeners))
	for i, lb := range m.listeners {
		p.listeners = append(p.listeners, b.buildListener(i, lb))
	}
	if cb := m.blocks[schema.Cache.Type]; cb != nil {
		p.cache, p.hasCache = b.buildCache(cb), true
	}
	if ab := m.blocks[schema.AutoAuth.Type]; ab != nil {
		p.autoAuth, p.hasAuth = b.buildAutoAuth(ab, p.vault), true
	}
	if tb := m.blocks[schema.Telemetry.Type]; tb != nil {
		p.telemetry, p.hasTelem = b.buildTelemetry(tb), true
	}

	// Namespace for proxied requests: flag, env, vault.namespace, then the method namespace.
	ns := p.vault.namespace
	if !ns.IsSet() && p.hasAuth && p.autoAuth.method.namespace.IsSet() {
		ns = p.autoAuth.method.namespace
	}
	ns = b.overrideStr(ns, schema.VaultNamespace)
	p.proxyNamespace = newValue(CanonicalNamespace(ns.v), ns.origin)

	p.pidFile = getStr(root, schema.PidFile)
	p.exitAfterAuth = b.overrideBool(getBool(root, schema.ExitAfterAuth), schema.ExitAfterAuth)
	p.disableIdleConnections = b.connList(getList(root, schema.DisableIdleConnections), schema.DisableIdleConnections)
	p.disableKeepAlives = b.connList(getList(root, schema.DisableKeepAlives), schema.DisableKeepAlives)
	p.logLevel = b.enumOverride(getStr(root, schema.LogLevel), schema.LogLevel)
	p.logFormat = b.enumOverride(getStr(root, schema.LogFormat), schema.LogFormat)
	p.logFile = b.overrideStr(getStr(root, schema.LogFile), schema.LogFile)
	p.logRotateDuration = getDur(root, schema.LogRotateDuration)
	p.logRotateBytes = getInt(root, schema.LogRotateBytes)
	p.logRotateMaxFiles = getInt(root, schema.LogRotateMaxFiles)
	p.parseAddresses()
	return p
}

// checkEnvHazards warns about environment variables that would make Vault Proxy redirect or wrap
// every proxied request; vaultproxy ignores them (hashicorp/vault api/client.go; docs/differences.md,
// "VAULT_AGENT_ADDR and VAULT_WRAP_TTL are ignored").
func (b *builder) checkEnvHazards() {
	for _, e := range []*schema.EnvVar{schema.EnvAgentAddr, schema.EnvWrapTTL} {
		if v, ok := b.opts.env(e.Name); ok {
			b.warn(codeIgnoredEnvironmentVariable, "Environment variable ignored",
				fmt.Sprintf("%s is set. Vault Proxy %s; vaultproxy ignores it.", envPair(e.Name, v), e.VaultDoes), nil)
		}
	}
}

func (b *builder) enumOverride(v Value[string], a *schema.Attribute) Value[string] {
	enum := a.Enum
	o := b.overrideStr(v, a)
	if o.origin.kind == OriginFlag || o.origin.kind == OriginEnv {
		lower := strings.ToLower(o.v)
		if !contains(enum, lower) {
			summary, name := "Invalid environment variable", o.origin.name
			if o.origin.kind == OriginFlag {
				summary, name = "Invalid flag value", "-"+name
			}
			b.fail(codeUnsupportedValue, summary, fmt.Sprintf("%s=%q is not one of %s.", name, o.v, joinAnd(quoteAll(enum))), nil)
			return v
		}
		o.v = lower
	}
	return o
}

// connList normalises disable_idle_connections / disable_keep_alives: the environment variable (a
// comma list) replaces the file value, "caching" means "proxying", and "" is dropped.
func (b *builder) connList(v Value[[]string], a *schema.Attribute) Value[[]string] {
	env := a.Env
	if e, ok := b.opts.env(env); ok {
		var list []string
		for _, part := range strings.Split(e, ",") {
			part = strings.ToLower(strings.TrimSpace(part))
			if !contains(a.Enum, part) {
				b.fail(codeUnsupportedValue, "Invalid environment variable", fmt.Sprintf("%s holds %q, which is not auto-auth, caching or proxying.", env, part), nil)
				continue
			}
			list = append(list, part)
		}
		v = newValue(list, EnvOrigin(env))
	}
	return newValue(subsystems(v.v), v.origin)
}

// subsystems is the plan's form of a disable_* list: "caching" as "proxying" (they name one
// subsystem), "" dropped, sorted, each once. A plan file must hold it in that form.
func subsystems(list []string) []string {
	set := map[string]bool{}
	for _, s := range list {
		if s == schema.SubsystemCaching {
			s = schema.SubsystemProxying
		}
		if s != "" {
			set[s] = true
		}
	}
	out := []string{}
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// planForms are the settings whose plan value is normalised beyond what the value decoder does:
// the plan-file decoder applies the same function, so a value not in that form is refused as
// non-canonical instead of being run as written.
var planForms = map[*schema.Attribute]func(any) any{
	schema.DisableIdleConnections: func(v any) any { return subsystems(v.([]string)) },
	schema.DisableKeepAlives:      func(v any) any { return subsystems(v.([]string)) },
	schema.RetryNumRetries:        func(v any) any { return max(v.(int), 0) }, // -1 and below: no retries
	schema.MethodMountPath:        func(v any) any { return mountPath(v.(string)) },
	schema.VaultNamespace:         canonicalNamespace,
	schema.MethodNamespace:        canonicalNamespace,
	proxyNamespaceAttr:            canonicalNamespace,
	loginNamespaceAttr:            canonicalNamespace,
}

func canonicalNamespace(v any) any { return CanonicalNamespace(v.(string)) }

// defaultMountPath is where a method of type typ is mounted when mount_path is not written: auth/<type>,
// and always auth/token for token_file.
func defaultMountPath(typ string) string {
	if typ == "token_file" {
		return "auth/token"
	}
	return "auth/" + typ
}

// mountPath is a method's mount path as the plan holds it: without a trailing slash.
func mountPath(s string) string { return strings.TrimRight(s, "/") }

var codeNumRetriesBelowMinusOne = diagcode.New("num_retries_below_minus_one",
	"A num_retries below -1, which means no retries, as -1 does.",
	"vault {\n  retry {\n    num_retries = -5\n  }\n}")

func (b *builder) buildVault(vb *decodedBlock) Vault {
	body := bodyOf(vb, schema.Vault)
	v := Vault{declared: vb != nil}
	if vb != nil {
		v.decl = vb.defRange
	}
	v.address = b.overrideStr(getStr(body, schema.VaultAddress), schema.VaultAddress)
	v.caCert = b.overrideStr(getStr(body, schema.VaultCACert), schema.VaultCACert)
	v.caPath = b.overrideStr(getStr(body, schema.VaultCAPath), schema.VaultCAPath)
	v.clientCert = b.overrideStr(getStr(body, schema.VaultClientCert), schema.VaultClientCert)
	v.clientKey = b.overrideStr(getStr(body, schema.VaultClientKey), schema.VaultClientKey)
	v.tlsSkipVerify = b.overrideBool(getBool(body, schema.VaultTLSSkipVerify), schema.VaultTLSSkipVerify)
	v.tlsServerName = b.overrideStr(getStr(body, schema.VaultTLSServerName), schema.VaultTLSServerName)
	ns := getStr(body, schema.VaultNamespace)
	v.namespace = newValue(CanonicalNamespace(ns.v), ns.origin)

	retry := bodyOf(body.first(schema.Retry), schema.Retry)
	n := getInt(retry, schema.RetryNumRetries)
	switch {
	case n.IsSet() && n.v == 0:
		n.v, _ = strconv.Atoi(schema.RetryNumRetries.Default) // 0 means the default, as in Vault Proxy
	case n.v == -1:
		n.v = 0
	case n.v < -1:
		// Vault Proxy hands the value to its HTTP client (go-retryablehttp), which stops retrying
		// as soon as fewer than one retry remains: any negative number means no retries.
		b.warn(codeNumRetriesBelowMinusOne, "num_retries below -1", fmt.Sprintf("num_retries = %d means no retries, as -1 does: Vault Proxy's HTTP client retries only while the count is above zero. Write num_retries = -1.", n.v),
			retry.val(schema.RetryNumRetries).attr.expr.Range().Ptr())
		n.v = 0
	}
	env := schema.RetryNumRetries.Env
	if e, ok := b.opts.env(env); ok {
		// vault/api reads it with strconv.ParseUint(v, 10, 32), and fails to start on anything else.
		if i, err := strconv.ParseUint(e, 10, 32); err == nil {
			n = newValue(int(i), EnvOrigin(env))
		} else {
			b.settingEnvFailure(quotedEnv(env, e), "is not a whole number of retries from 0 to 4294967295",
				"failed to read environment: "+err.Error())
		}
	}
	v.numRetries = n
	return v
}

func (b *builder) buildAPIProxy(ab *decodedBlock) APIProxy {
	body := bodyOf(ab, schema.APIProxy)
	a := APIProxy{declared: ab != nil}
	if ab != nil {
		a.decl = ab.defRange
	}
	mode := TokenModeClient
	origin := DefaultOrigin()
	if v := body.val(schema.APIProxyUseAutoAuthToken); v != nil {
		origin = v.origin()
		switch {
		case v.s == "force":
			mode = TokenModeForce
		case v.b:
			mode = TokenModeAutoAuth
		}
	}
	a.useAutoAuthToken = newValue(mode, origin)
	a.prependConfiguredNamespace = getBool(body, schema.APIProxyPrependConfiguredNamespace)
	ec := getStr(body, schema.APIProxyEnforceConsistency)
	if ec.v == "" {
		ec.v = "never"
	}
	a.enforceConsistency = newValue(Consistency(ec.v), ec.origin)
	wi := getStr(body, schema.APIProxyWhenInconsistent)
	if wi.v == "" {
		wi.v = "fail"
	}
	a.whenInconsistent = newValue(WhenInconsistent(wi.v), wi.origin)
	return a
}

func (b *builder) buildListener(i int, lb *decodedBlock) Listener {
	body := bodyOf(lb, schema.Listener)
	l := Listener{index: i, decl: lb.defRange}
	typOrigin := ConfigOrigin(lb.labelRange)
	l.typ = newValue(ListenerType(lb.label), typOrigin)
	l.address = getStr(body, schema.ListenerAddress)
	if l.typ.v == ListenerUnix && !l.address.IsSet() {
		l.address.v = ""
	}
	role := getStr(body, schema.ListenerRole)
	l.role = newValue(ListenerRole(role.v), role.origin)
	l.requireRequestHeader = getBool(body, schema.ListenerRequireRequestHeader)
	l.enableQuit = getBool(bodyOf(body.first(schema.ProxyAPI), schema.ProxyAPI), schema.ProxyAPIEnableQuit)
	l.tlsDisable = getBool(body, schema.ListenerTLSDisable)
	l.tlsCertFile = getStr(body, schema.ListenerTLSCertFile)
	l.tlsKeyFile = getStr(body, schema.ListenerTLSKeyFile)
	l.tlsMinVersion = tlsVersion(getStr(body, schema.ListenerTLSMinVersion))
	l.tlsMaxVersion = tlsVersion(getStr(body, schema.ListenerTLSMaxVersion))
	l.tlsClientCAFile = getStr(body, schema.ListenerTLSClientCAFile)
	l.tlsRequireAndVerifyClientCert = getBool(body, schema.ListenerTLSRequireAndVerifyClientCert)
	l.tlsDisableClientCerts = getBool(body, schema.ListenerTLSDisableClientCerts)
	l.socketMode = getMode(body, schema.ListenerSocketMode)
	l.socketUser = getStr(body, schema.ListenerSocketUser)
	l.socketGroup = getStr(body, schema.ListenerSocketGroup)
	l.maxRequestSize = getInt(body, schema.ListenerMaxRequestSize)
	l.maxRequestDuration = getDur(body, schema.ListenerMaxRequestDuration)

	suites := getList(body, schema.ListenerTLSCipherSuites)
	l.tlsCipherSuites = newValue(cipherSuitesOf(suites.v), suites.origin)
	return l
}

func (b *builder) buildCache(cb *decodedBlock) Cache {
	body := bodyOf(cb, schema.Cache)
	c := Cache{decl: cb.defRange}
	c.cacheStaticSecrets = getBool(body, schema.CacheStaticSecrets)
	c.disableCachingDynamicSecrets = getBool(body, schema.CacheDisableCachingDynamicSecrets)
	c.refreshInterval = getDur(body, schema.CacheStaticSecretTokenCapabilityRefreshInterval)
	c.serveStaleFor = getDur(body, schema.CacheServeStaleFor)
	rb := getStr(body, schema.CacheStaticSecretTokenCapabilityRefreshBehavior)
	if rb.v == "" {
		rb.v = string(RefreshOptimistic)
	}
	c.refreshBehavior = newValue(RefreshBehavior(rb.v), rb.origin)
	if pb := body.first(schema.Persist); pb != nil {
		pbody := bodyOf(pb, schema.Persist)
		c.hasPersist = true
		c.persist = Persist{
			decl:                    pb.defRange,
			typ:                     newValue(pb.label, ConfigOrigin(pb.labelRange)),
			path:                    getStr(pbody, schema.PersistPath),
			keepAfterImport:         getBool(pbody, schema.PersistKeepAfterImport),
			exitOnErr:               getBool(pbody, schema.PersistExitOnErr),
			serviceAccountTokenFile: getStr(pbody, schema.PersistServiceAccountTokenFile),
			keyFile:                 b.overrideStr(getStr(pbody, schema.PersistKeyFile), schema.PersistKeyFile),
		}
	}
	return c
}

func (b *builder) buildAutoAuth(ab *decodedBlock, vault Vault) AutoAuth {
	body := bodyOf(ab, schema.AutoAuth)
	a := AutoAuth{decl: ab.defRange}
	a.enableReauthOnNewCredentials = getBool(body, schema.AutoAuthEnableReauthOnNewCredentials)
	if mb := body.first(schema.Method); mb != nil {
		a.method = b.buildMethod(mb, vault)
	}
	direct := body.blocks[schema.Sink.Type]
	for i, sb := range direct {
		a.sinks = append(a.sinks, b.buildSink(i, sb))
	}
	if wb := body.first(schema.SinksWrapper); wb != nil && b.checkSinksWrapper(wb, len(direct)) {
		for i, sb := range bodyOf(wb, schema.SinksWrapper).blocks[schema.Sink.Type] {
			a.sinks = append(a.sinks, b.buildSink(i, sb))
		}
	}
	return a
}

func (b *builder) buildMethod(mb *decodedBlock, vault Vault) Method {
	body := bodyOf(mb, schema.Method)
	m := Method{decl: mb.defRange}
	m.typ = newValue(mb.label, ConfigOrigin(mb.labelRange))
	mp := getStr(body, schema.MethodMountPath)
	if !mp.IsSet() || strings.TrimSpace(mp.v) == "" {
		mp = newValue(defaultMountPath(mb.label), DefaultOrigin())
	}
	mp.v = mountPath(mp.v)
	if mb.label == "token_file" {
		if mp.IsSet() {
			b.warn(codeIgnoredArgument, "Argument has no effect", "The token_file method always uses auth/token; mount_path is ignored.", mp.origin.rng.Ptr())
		}
		mp = newValue(defaultMountPath(mb.label), DefaultOrigin())
	}
	m.mountPath = mp
	ns := getStr(body, schema.MethodNamespace)
	m.namespace = newValue(CanonicalNamespace(ns.v), ns.origin)
	login := m.namespace
	if !login.IsSet() {
		login = vault.namespace
	}
	login = b.overrideStr(login, schema.VaultNamespace)
	m.loginNamespace = newValue(CanonicalNamespace(login.v), login.origin)
	m.wrapTTL = getDur(body, schema.MethodWrapTTL)
	// Vault Proxy's auth handler uses the default for a backoff of 0 (written "0s", 0 or "").
	m.minBackoff = defaultIfZero(getDur(body, schema.MethodMinBackoff), schema.MethodMinBackoff.Default)
	m.maxBackoff = defaultIfZero(getDur(body, schema.MethodMaxBackoff), schema.MethodMaxBackoff.Default)
	m.exitOnErr = getBool(body, schema.MethodExitOnErr)

	csch := schema.MethodConfig(mb.label)
	cb := body.first(csch)
	cbody := bodyOf(cb, csch)
	m.config = MethodConfig{decl: mb.defRange, values: map[string]configValue{}}
	if cb != nil {
		m.config.decl = cb.defRange
	}
	for _, as := range csch.Attributes {
		cv := configValue{}
		switch as.Kind {
		case schema.Bool:
			cv.kind, cv.b = "bool", getBool(cbody, as)
			cv.isSet = cv.b.IsSet()
		case schema.Duration:
			cv.kind, cv.d = "duration", getDur(cbody, as)
			cv.isSet = cv.d.IsSet()
		case schema.Int:
			cv.kind, cv.i = "number", getInt(cbody, as)
			cv.isSet = cv.i.IsSet()
		default:
			cv.kind, cv.str = "string", getStr(cbody, as)
			cv.isSet = cv.str.IsSet()
		}
		m.config.values[as.Name] = cv
	}
	for _, at := range cbody.open {
		val, _ := at.expr.Value(nil)
		m.config.values[at.name] = configValue{kind: "string", str: newValue(primitiveText(val), ConfigOrigin(at.rng)), isSet: true}
	}
	return m
}

// primitiveText renders a value of an unchecked method config key: strings as they are, other
// primitives as their text, anything else as JSON.
func primitiveText(v cty.Value) string {
	if v.IsNull() || !v.IsWhollyKnown() {
		return ""
	}
	switch v.Type() {
	case cty.String:
		return v.AsString()
	case cty.Bool:
		return strconv.FormatBool(v.True())
	case cty.Number:
		return v.AsBigFloat().Text('f', -1)
	}
	js, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return ""
	}
	return string(js)
}

var codeEnvironmentVariableNotSet = diagcode.New("environment_variable_not_set",
	"aad_env_var names an environment variable that is not set, so the aad is empty.",
	"auto_auth {\n  method \"token_file\" {\n    config = { token_file_path = \"/tmp/t\" }\n  }\n  sink \"file\" {\n    dh_type     = \"curve25519\"\n    dh_path     = \"/tmp/dh.pub\"\n    aad_env_var = \"UNSET_AAD\"\n    config = { path = \"/tmp/token\" }\n  }\n}")

func (b *builder) buildSink(i int, sb *decodedBlock) Sink {
	body := bodyOf(sb, schema.Sink)
	s := Sink{index: i, decl: sb.defRange}
	s.typ = newValue(sb.label, ConfigOrigin(sb.labelRange))
	s.wrapTTL = getDur(body, schema.SinkWrapTTL)
	s.dhType = getStr(body, schema.SinkDHType)
	s.dhPath = getStr(body, schema.SinkDHPath)
	s.deriveKey = getBool(body, schema.SinkDeriveKey)
	s.aad = getStr(body, schema.SinkAAD)
	s.aadEnvVar = getStr(body, schema.SinkAADEnvVar)
	if name := s.aadEnvVar.v; name != "" {
		if v, ok := b.opts.env(name); ok {
			s.aad = newValue(v, EnvOrigin(name))
		} else {
			b.warn(codeEnvironmentVariableNotSet, "Environment variable not set",
				fmt.Sprintf("aad_env_var names %s, which is not set or empty; the aad is empty, as in Vault Proxy.", name),
				s.aadEnvVar.origin.rng.Ptr())
			s.aad = newValue("", EnvOrigin(name))
		}
	}
	cbody := bodyOf(body.first(schema.SinkConfig), schema.SinkConfig)
	s.path = getStr(cbody, schema.SinkConfigPath)
	s.mode = getMode(cbody, schema.SinkConfigMode)
	s.owner = getInt(cbody, schema.SinkConfigOwner)
	if !s.owner.IsSet() {
		s.owner.v = processID
	}
	s.group = getInt(cbody, schema.SinkConfigGroup)
	if !s.group.IsSet() {
		s.group.v = processID
	}
	return s
}

func (b *builder) buildTelemetry(tb *decodedBlock) Telemetry {
	body := bodyOf(tb, schema.Telemetry)
	return Telemetry{
		decl:                    tb.defRange,
		prometheusRetentionTime: getDur(body, schema.TelemetryPrometheusRetentionTime),
		metricsPrefix:           getStr(body, schema.TelemetryMetricsPrefix),
		disableHostname:         getBool(body, schema.TelemetryDisableHostname),
	}
}
