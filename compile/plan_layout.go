package compile

import (
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/schema"
	"github.com/zclconf/go-cty/cty"
)

// The plan layout: the members of each block object of the JSON plan, in document order. It is the one
// place that ties a plan value to its schema attribute: MarshalJSON, DecodePlanFile and
// docs/plan-format.md all walk it. A setting member is one line; its JSON key, value form, checks and
// description come from the attribute.

// member is one member of a block object: a setting (attr and ref) or a part with its own codec (a
// block's origin, a nested block, a list of blocks).
type member[B any] struct {
	name string
	attr *schema.Attribute
	ref  func(*B) slot
	enc  func(*B) *jsonNode
	dec  func(d *planDecoder, path string, p property, b *B)
	// For docs/plan-format.md: the type and description of a part (a setting's come from attr), what
	// the plan adds to a setting's description, and the objects nested in a part.
	typ, doc, note string
	sub            func() []PlanObject
	// The settings nested in a part, for PlanSettings.
	settings func(path []string) []PlanSetting
	// The cty type of a part (a setting's comes from its value's Go type), for Plan.CtyValue; b is nil
	// for PlanType, which has no plan.
	ctyType func(b *B) cty.Type
	// The default of a setting where the compiler's depends on the block (read before it, in layout
	// order) rather than being the schema's, for the plan-file check of a value whose origin is default.
	def func(b *B) any
	// since is the format version that added a setting ("" for 1.0): a plan file of an earlier minor
	// version lacks it, and it reads as not written (its zero value, origin default).
	since string
}

// defaults gives a setting the default the compiler gives it in block b.
func (m member[B]) defaults(def func(b *B) any) member[B] {
	m.def = def
	return m
}

// added marks a setting added to the format in version v (see member.since).
func (m member[B]) added(v string) member[B] {
	m.since = v
	m.note = strings.TrimSpace(m.note + " Added in format " + v + ": an earlier plan file without it reads as not written.")
	return m
}

// with adds to a setting's description what the plan says beyond the attribute's doc.
func (m member[B]) with(note string) member[B] {
	m.note = note
	return m
}

func (m member[B]) encode(b *B) *jsonNode {
	if m.attr != nil {
		return encodeSetting(m.attr, m.ref(b))
	}
	return m.enc(b)
}

func (m member[B]) decode(d *planDecoder, path string, p property, b *B) {
	if m.attr != nil {
		var def func() any
		if m.def != nil {
			def = func() any { return m.def(b) }
		}
		d.setting(path, m.attr, p, m.ref(b), def)
		return
	}
	m.dec(d, path, p, b)
}

func setting[B any](a *schema.Attribute, ref func(*B) slot) member[B] {
	return member[B]{name: a.Name, attr: a, ref: ref}
}

// headerOrigin is a block's "origin": the range of its header. declared is nil for a block that is
// always written when it is in the plan; otherwise "default" stands for a block not written. at is where
// the decoder keeps the range of the origin in the plan file, at which diagnostics about the block point.
func headerOrigin[B any](name string, declared func(*B) *bool, decl, at func(*B) *hcl.Range) member[B] {
	doc := "The block's header."
	if declared != nil {
		doc = "The block's header, or `default` when none was written."
	}
	return member[B]{name: name, typ: "string", doc: doc, ctyType: stringType[B],
		enc: func(b *B) *jsonNode {
			written := declared == nil || *declared(b)
			return jsonString(blockOrigin(written, *decl(b)))
		},
		dec: func(d *planDecoder, path string, p property, b *B) {
			written, rng := d.blockOrigin(p)
			if declared != nil {
				*declared(b) = written
			} else if !written {
				d.fail(p.val.Range(), "Invalid origin", fmt.Sprintf("%s is a block that is always written: its origin is a source range.", path))
			}
			*decl(b) = rng
			*at(b) = p.val.Range()
		}}
}

// nested is a block object that is always present.
func nested[B, C any](name, title, doc string, get func(*B) *C, layout []member[C]) member[B] {
	return member[B]{name: name, typ: "object", doc: doc, sub: describer(title, layout), settings: walker(name, layout),
		ctyType: func(b *B) cty.Type { return objectType(part(b, get), layout) },
		enc:     func(b *B) *jsonNode { return encodeObject(get(b), layout) },
		dec:     func(d *planDecoder, path string, p property, b *B) { decodeObject(d, path, p.val, layout, get(b)) }}
}

// optional is a block object that is null when the block was not written.
func optional[B, C any](name, title, doc string, get func(*B) (*C, *bool), layout []member[C]) member[B] {
	return member[B]{name: name, typ: "object or null", doc: doc, sub: describer(title, layout), settings: walker(name, layout),
		ctyType: func(b *B) cty.Type {
			return objectType(part(b, func(b *B) *C { c, _ := get(b); return c }), layout)
		},
		enc: func(b *B) *jsonNode {
			c, has := get(b)
			if !*has {
				return jsonNull
			}
			return encodeObject(c, layout)
		},
		dec: func(d *planDecoder, path string, p property, b *B) {
			c, has := get(b)
			if *has = !isNull(p.val); *has {
				decodeObject(d, path, p.val, layout, c)
			}
		}}
}

// list is an array of block objects; index numbers each element from 0.
func list[B, C any](name, title, doc string, get func(*B) *[]C, index func(*C) *int, layout []member[C]) member[B] {
	return member[B]{name: name, typ: "array of objects", doc: doc, sub: describer(title, layout), settings: walker(name+"/0", layout),
		// One element type for every element, so that the type does not depend on the plan: a
		// list's layout holds no part whose type does (such as a method's config).
		ctyType: func(*B) cty.Type { return cty.List(objectType[C](nil, layout)) },
		enc: func(b *B) *jsonNode {
			n := &jsonNode{arr: true}
			for i := range *get(b) {
				n.elems = append(n.elems, encodeObject(&(*get(b))[i], layout))
			}
			return n
		},
		dec: func(d *planDecoder, path string, p property, b *B) {
			if !isJSONArray(p.val) {
				d.fail(p.val.Range(), "Invalid plan file", fmt.Sprintf("%s must be an array.", path))
				return
			}
			items, _ := hcl.ExprList(p.val)
			out := make([]C, len(items))
			for i, e := range items {
				*index(&out[i]) = i
				decodeObject(d, fmt.Sprintf("%s[%d]", path, i), e, layout, &out[i])
			}
			*get(b) = out
		}}
}

const foldedSubsystems = "In the plan: `caching` is folded into `proxying`; sorted, without duplicates."

// Settings that the plan derives, which no attribute declares.
var (
	// Both are overridden by what overrides vault.namespace, which their env and flag origins name.
	proxyNamespaceAttr = &schema.Attribute{Name: "proxy_namespace", Kind: schema.String, Env: schema.VaultNamespace.Env, Flag: schema.VaultNamespace.Flag,
		Doc: "The namespace `prepend_configured_namespace` puts in front of each request's namespace: `-namespace`, then `VAULT_NAMESPACE`, then `vault.namespace`, then the method's `namespace`; `\"\"` for none."}
	loginNamespaceAttr = &schema.Attribute{Name: "login_namespace", Kind: schema.String, Env: schema.VaultNamespace.Env, Flag: schema.VaultNamespace.Flag,
		Doc: "The namespace the login is sent to: `-namespace`, then `VAULT_NAMESPACE`, then the method's `namespace`, then `vault.namespace`."}
)

var planLayout = []member[Plan]{
	{name: "format_version", typ: "string", doc: "`\"" + PlanFormatVersion + "\"`; see Versioning.", ctyType: stringType[Plan],
		enc: func(*Plan) *jsonNode { return jsonString(PlanFormatVersion) },
		dec: func(*planDecoder, string, property, *Plan) {}}, // DecodePlanFile checks it first
	{name: "files", typ: "array of strings", doc: "The configuration files, in merge order, as named in origins.",
		ctyType: func(*Plan) cty.Type { return cty.List(cty.String) },
		enc:     func(p *Plan) *jsonNode { return encodeValue(&schema.Attribute{}, nonNil(p.files), Origin{}) },
		dec: func(d *planDecoder, path string, pr property, p *Plan) {
			if v, ok := d.value(&schema.Attribute{Name: "files", Kind: schema.StringList}, pr, []string{}, Origin{}); ok {
				p.files = v.([]string)
				d.files = p.files
			}
		}},
	nested("vault", "`vault`", "How every subsystem reaches Vault (below).", func(p *Plan) *Vault { return &p.vault }, vaultLayout),
	nested("api_proxy", "`api_proxy`", "How proxied requests are sent (below).", func(p *Plan) *APIProxy { return &p.apiProxy }, apiProxyLayout),
	setting(proxyNamespaceAttr, func(p *Plan) slot { return &p.proxyNamespace }),
	list("listeners", "Listener", "Every listener of every file, in file order (below); `[]` for none.",
		func(p *Plan) *[]Listener { return &p.listeners }, func(l *Listener) *int { return &l.index }, listenerLayout),
	optional("cache", "`cache`", "The `cache` block (below).", func(p *Plan) (*Cache, *bool) { return &p.cache, &p.hasCache }, cacheLayout),
	optional("auto_auth", "`auto_auth`", "The `auto_auth` block (below).", func(p *Plan) (*AutoAuth, *bool) { return &p.autoAuth, &p.hasAuth }, autoAuthLayout),
	optional("telemetry", "`telemetry`", "The `telemetry` block (below).", func(p *Plan) (*Telemetry, *bool) { return &p.telemetry, &p.hasTelem }, telemetryLayout),
	setting(schema.PidFile, func(p *Plan) slot { return &p.pidFile }),
	setting(schema.ExitAfterAuth, func(p *Plan) slot { return &p.exitAfterAuth }),
	setting(schema.DisableIdleConnections, func(p *Plan) slot { return &p.disableIdleConnections }).with(foldedSubsystems),
	setting(schema.DisableKeepAlives, func(p *Plan) slot { return &p.disableKeepAlives }).with(foldedSubsystems),
	setting(schema.LogLevel, func(p *Plan) slot { return &p.logLevel }),
	setting(schema.LogFormat, func(p *Plan) slot { return &p.logFormat }),
	setting(schema.LogFile, func(p *Plan) slot { return &p.logFile }),
	setting(schema.LogRotateDuration, func(p *Plan) slot { return &p.logRotateDuration }),
	setting(schema.LogRotateBytes, func(p *Plan) slot { return &p.logRotateBytes }),
	setting(schema.LogRotateMaxFiles, func(p *Plan) slot { return &p.logRotateMaxFiles }),
}

var vaultLayout = []member[Vault]{
	headerOrigin("origin", func(v *Vault) *bool { return &v.declared }, func(v *Vault) *hcl.Range { return &v.decl }, func(v *Vault) *hcl.Range { return &v.at }),
	setting(schema.VaultAddress, func(v *Vault) slot { return &v.address }),
	setting(schema.VaultCACert, func(v *Vault) slot { return &v.caCert }),
	setting(schema.VaultCAPath, func(v *Vault) slot { return &v.caPath }),
	setting(schema.VaultClientCert, func(v *Vault) slot { return &v.clientCert }),
	setting(schema.VaultClientKey, func(v *Vault) slot { return &v.clientKey }),
	setting(schema.VaultTLSSkipVerify, func(v *Vault) slot { return &v.tlsSkipVerify }),
	setting(schema.VaultTLSServerName, func(v *Vault) slot { return &v.tlsServerName }),
	setting(schema.VaultNamespace, func(v *Vault) slot { return &v.namespace }).with("In the plan: as written, canonical; the namespaces in effect are `proxy_namespace` and the method's `login_namespace`."),
	setting(schema.RetryNumRetries, func(v *Vault) slot { return &v.numRetries }).with("In the plan: normalised, an unset or 0 `num_retries` is 12 and -1 is 0."),
}

var apiProxyLayout = []member[APIProxy]{
	headerOrigin("origin", func(a *APIProxy) *bool { return &a.declared }, func(a *APIProxy) *hcl.Range { return &a.decl }, func(a *APIProxy) *hcl.Range { return &a.at }),
	setting(schema.APIProxyUseAutoAuthToken, func(a *APIProxy) slot { return &a.useAutoAuthToken }).with("In the plan: the string `\"false\"`, `\"true\"` or `\"force\"`."),
	setting(schema.APIProxyPrependConfiguredNamespace, func(a *APIProxy) slot { return &a.prependConfiguredNamespace }),
	setting(schema.APIProxyEnforceConsistency, func(a *APIProxy) slot { return &a.enforceConsistency }),
	setting(schema.APIProxyWhenInconsistent, func(a *APIProxy) slot { return &a.whenInconsistent }),
}

var listenerLayout = []member[Listener]{
	headerOrigin("origin", nil, func(l *Listener) *hcl.Range { return &l.decl }, func(l *Listener) *hcl.Range { return &l.at }),
	setting(schema.ListenerType, func(l *Listener) slot { return &l.typ }).with("In the plan: the block label or this attribute."),
	setting(schema.ListenerAddress, func(l *Listener) slot { return &l.address }).defaults(func(l *Listener) any {
		if l.typ.v == ListenerUnix {
			return "" // a unix listener has no default socket path
		}
		return schema.ListenerAddress.Default
	}),
	setting(schema.ListenerRole, func(l *Listener) slot { return &l.role }),
	setting(schema.ListenerRequireRequestHeader, func(l *Listener) slot { return &l.requireRequestHeader }),
	setting(schema.ProxyAPIEnableQuit, func(l *Listener) slot { return &l.enableQuit }),
	setting(schema.ListenerTLSDisable, func(l *Listener) slot { return &l.tlsDisable }),
	setting(schema.ListenerTLSCertFile, func(l *Listener) slot { return &l.tlsCertFile }),
	setting(schema.ListenerTLSKeyFile, func(l *Listener) slot { return &l.tlsKeyFile }),
	setting(schema.ListenerTLSMinVersion, func(l *Listener) slot { return &l.tlsMinVersion }),
	setting(schema.ListenerTLSMaxVersion, func(l *Listener) slot { return &l.tlsMaxVersion }),
	setting(schema.ListenerTLSCipherSuites, func(l *Listener) slot { return &l.tlsCipherSuites }).with("In the plan: an array of names, `[]` for Go's defaults."),
	setting(schema.ListenerTLSClientCAFile, func(l *Listener) slot { return &l.tlsClientCAFile }),
	setting(schema.ListenerTLSRequireAndVerifyClientCert, func(l *Listener) slot { return &l.tlsRequireAndVerifyClientCert }),
	setting(schema.ListenerTLSDisableClientCerts, func(l *Listener) slot { return &l.tlsDisableClientCerts }),
	setting(schema.ListenerSocketMode, func(l *Listener) slot { return &l.socketMode }).with("Its origin `default` means not set: the socket keeps the mode it is created with (the value is then `\"0000\"`)."),
	setting(schema.ListenerSocketUser, func(l *Listener) slot { return &l.socketUser }),
	setting(schema.ListenerSocketGroup, func(l *Listener) slot { return &l.socketGroup }),
	setting(schema.ListenerMaxRequestSize, func(l *Listener) slot { return &l.maxRequestSize }).added("1.2"),
	setting(schema.ListenerMaxRequestDuration, func(l *Listener) slot { return &l.maxRequestDuration }).added("1.2"),
}

var cacheLayout = []member[Cache]{
	headerOrigin("origin", nil, func(c *Cache) *hcl.Range { return &c.decl }, func(c *Cache) *hcl.Range { return &c.at }),
	setting(schema.CacheStaticSecrets, func(c *Cache) slot { return &c.cacheStaticSecrets }),
	setting(schema.CacheDisableCachingDynamicSecrets, func(c *Cache) slot { return &c.disableCachingDynamicSecrets }),
	setting(schema.CacheStaticSecretTokenCapabilityRefreshInterval, func(c *Cache) slot { return &c.refreshInterval }),
	setting(schema.CacheStaticSecretTokenCapabilityRefreshBehavior, func(c *Cache) slot { return &c.refreshBehavior }),
	setting(schema.CacheServeStaleFor, func(c *Cache) slot { return &c.serveStaleFor }).added("1.1"),
	optional("persist", "`persist`", "The `persist` block (below).", func(c *Cache) (*Persist, *bool) { return &c.persist, &c.hasPersist }, persistLayout),
}

var persistLayout = []member[Persist]{
	headerOrigin("origin", nil, func(p *Persist) *hcl.Range { return &p.decl }, func(p *Persist) *hcl.Range { return &p.at }),
	setting(schema.PersistType, func(p *Persist) slot { return &p.typ }).with("In the plan: the block label or this attribute."),
	setting(schema.PersistPath, func(p *Persist) slot { return &p.path }),
	setting(schema.PersistKeepAfterImport, func(p *Persist) slot { return &p.keepAfterImport }),
	setting(schema.PersistExitOnErr, func(p *Persist) slot { return &p.exitOnErr }),
	setting(schema.PersistServiceAccountTokenFile, func(p *Persist) slot { return &p.serviceAccountTokenFile }),
	setting(schema.PersistKeyFile, func(p *Persist) slot { return &p.keyFile }).added("1.1"),
}

var autoAuthLayout = []member[AutoAuth]{
	headerOrigin("origin", nil, func(a *AutoAuth) *hcl.Range { return &a.decl }, func(a *AutoAuth) *hcl.Range { return &a.at }),
	setting(schema.AutoAuthEnableReauthOnNewCredentials, func(a *AutoAuth) slot { return &a.enableReauthOnNewCredentials }),
	nested("method", "`method`", "The `method` block (below).", func(a *AutoAuth) *Method { return &a.method }, methodLayout),
	list("sinks", "Sink", "The `sink` blocks, in order (below); `[]` for none.",
		func(a *AutoAuth) *[]Sink { return &a.sinks }, func(s *Sink) *int { return &s.index }, sinkLayout),
}

var methodLayout = []member[Method]{
	headerOrigin("origin", nil, func(m *Method) *hcl.Range { return &m.decl }, func(m *Method) *hcl.Range { return &m.at }),
	setting(schema.MethodType, func(m *Method) slot { return &m.typ }).with("In the plan: the block label or this attribute, lower case."),
	setting(schema.MethodMountPath, func(m *Method) slot { return &m.mountPath }).with("In the plan: without a trailing slash.").
		defaults(func(m *Method) any { return defaultMountPath(m.typ.v) }),
	setting(schema.MethodNamespace, func(m *Method) slot { return &m.namespace }).with("In the plan: as written, canonical."),
	setting(loginNamespaceAttr, func(m *Method) slot { return &m.loginNamespace }),
	setting(schema.MethodWrapTTL, func(m *Method) slot { return &m.wrapTTL }),
	setting(schema.MethodMinBackoff, func(m *Method) slot { return &m.minBackoff }),
	setting(schema.MethodMaxBackoff, func(m *Method) slot { return &m.maxBackoff }),
	setting(schema.MethodExitOnErr, func(m *Method) slot { return &m.exitOnErr }),
	headerOrigin("config_origin", nil, func(m *Method) *hcl.Range { return &m.config.decl }, func(m *Method) *hcl.Range { return &m.config.at }),
	{name: "config", typ: "object", doc: "The method's `config`, by key (below).", enc: encodeMethodConfig, dec: decodeMethodConfig, ctyType: methodConfigType},
}

var sinkLayout = []member[Sink]{
	headerOrigin("origin", nil, func(s *Sink) *hcl.Range { return &s.decl }, func(s *Sink) *hcl.Range { return &s.at }),
	setting(schema.SinkType, func(s *Sink) slot { return &s.typ }).with("In the plan: the block label or this attribute."),
	setting(schema.SinkWrapTTL, func(s *Sink) slot { return &s.wrapTTL }),
	setting(schema.SinkDHType, func(s *Sink) slot { return &s.dhType }),
	setting(schema.SinkDHPath, func(s *Sink) slot { return &s.dhPath }),
	setting(schema.SinkDeriveKey, func(s *Sink) slot { return &s.deriveKey }),
	setting(schema.SinkAAD, func(s *Sink) slot { return &s.aad }),
	setting(schema.SinkAADEnvVar, func(s *Sink) slot { return &s.aadEnvVar }),
	setting(schema.SinkConfigPath, func(s *Sink) slot { return &s.path }),
	setting(schema.SinkConfigMode, func(s *Sink) slot { return &s.mode }),
	setting(schema.SinkConfigOwner, func(s *Sink) slot { return &s.owner }).with("In the plan: -1 for the process's.").defaults(processIDDefault),
	setting(schema.SinkConfigGroup, func(s *Sink) slot { return &s.group }).with("In the plan: -1 for the process's.").defaults(processIDDefault),
}

var telemetryLayout = []member[Telemetry]{
	headerOrigin("origin", nil, func(t *Telemetry) *hcl.Range { return &t.decl }, func(t *Telemetry) *hcl.Range { return &t.at }),
	setting(schema.TelemetryPrometheusRetentionTime, func(t *Telemetry) slot { return &t.prometheusRetentionTime }),
	setting(schema.TelemetryMetricsPrefix, func(t *Telemetry) slot { return &t.metricsPrefix }),
	setting(schema.TelemetryDisableHostname, func(t *Telemetry) slot { return &t.disableHostname }),
}

// configAttribute is the schema of a method config key: the method type's, or, for a key the schema
// does not detail, a string that is sensitive when its name says so (Method.ConfigSensitive).
func (m Method) configAttribute(key string) *schema.Attribute {
	if a := schema.MethodConfig(m.typ.v).Attribute(key); a != nil {
		return a
	}
	return &schema.Attribute{Name: key, Kind: schema.String, Sensitive: m.ConfigSensitive(key)}
}

// configKind is how a config value is written in the plan: "bool", "number", "duration" or "string".
func configKind(a *schema.Attribute) string {
	switch a.Kind {
	case schema.Bool:
		return "bool"
	case schema.Int:
		return "number"
	case schema.Duration:
		return "duration"
	}
	return "string"
}

// slot returns the value of the key's kind.
func (cv *configValue) slot() slot {
	switch cv.kind {
	case "bool":
		return &cv.b
	case "number":
		return &cv.i
	case "duration":
		return &cv.d
	}
	return &cv.str
}

// encodeMethodConfig writes each config key, sorted, as {"kind": ..., "value": ..., "origin": ...}.
func encodeMethodConfig(m *Method) *jsonNode {
	n := &jsonNode{obj: true}
	keys := m.config.Keys()
	for _, k := range keys {
		cv := m.config.values[k]
		v, o := cv.slot().load()
		n.keys = append(n.keys, k)
		n.elems = append(n.elems, &jsonNode{obj: true, keys: []string{"kind", "value", "origin"},
			elems: []*jsonNode{jsonString(cv.kind), encodeValue(m.configAttribute(k), v, o), jsonString(o.String())}})
	}
	return n
}

func decodeMethodConfig(d *planDecoder, path string, p property, m *Method) {
	m.config.values = map[string]configValue{}
	obj, ok := d.object("the object "+path, p.val)
	if !ok {
		return
	}
	keys := make([]string, 0, len(obj.props))
	for k := range obj.props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// The keys are checked against the method's config schema as in a configuration: an unknown key
	// of a method whose keys are declared, or a required key that is missing, is an error here too.
	sch := schema.MethodConfig(m.typ.v)
	for _, a := range sch.Attributes {
		if _, ok := obj.props[a.Name]; a.Required && !ok {
			d.diags = append(d.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing required argument",
				Detail:  fmt.Sprintf("The %s method requires the config key %q, but the plan file has none.", m.typ.v, a.Name),
				Subject: obj.rng.Ptr(), Extra: codeMissingRequiredArgument})
		}
	}
	for _, k := range keys {
		kpath := path + "." + k
		if p := obj.props[k]; !sch.Open && sch.Attribute(k) == nil {
			at := &attribute{name: k, expr: p.val, nameRange: p.name, rng: hcl.RangeBetween(p.name, p.val.Range())}
			d.diags = append(d.diags, d.values.unsupportedArgument(sch, m.typ.v, at))
			continue
		}
		item, ok := d.object("the config key "+kpath, obj.props[k].val)
		if !ok {
			continue
		}
		kp, hasKind := item.props["kind"]
		vp, hasValue := item.props["value"]
		op, hasOrigin := item.props["origin"]
		if !hasKind || !hasValue || !hasOrigin {
			d.fail(item.rng, "Missing plan field", fmt.Sprintf("The config key %s must have a kind, a value and an origin.", kpath))
			continue
		}
		d.unknownFields("The config key "+kpath, item, []string{"kind", "value", "origin"})
		a := m.configAttribute(k)
		cv := configValue{kind: configKind(a)}
		if kv, _ := kp.val.Value(nil); kv.IsNull() || kv.Type() != cty.String || kv.AsString() != cv.kind {
			msg := fmt.Sprintf("The kind of %s is %q.", k, cv.kind)
			if d.minorBefore("1.3") {
				msg += " Format 1.3 declared the config keys of more methods: write the plan again with this vaultproxy."
			}
			d.fail(kp.val.Range(), "Invalid plan value", msg)
			continue
		}
		o, ok := d.origin(op)
		if !ok {
			continue
		}
		s := cv.slot()
		zero, _ := s.load()
		v, ok := d.value(a, vp, zero, o)
		if !ok || !d.checkOrigin(kpath, a, vp, op, v, o, nil) {
			continue
		}
		s.store(v, o, vp.val.Range())
		cv.isSet = o.kind != OriginDefault
		m.config.values[k] = cv
	}
}

// PlanObject documents one object of the JSON plan, for docs/plan-format.md: its fields in document
// order, as the codec writes them.
type PlanObject struct {
	Title  string
	Fields []PlanField
}

// PlanField documents one field of a PlanObject.
type PlanField struct {
	Name, Type, Doc string
}

// PlanFormat describes every object of the JSON plan, from the plan layout: the top level first, then
// each nested object after the object that holds it.
func PlanFormat() []PlanObject { return describer("Top level", planLayout)() }

func describer[B any](title string, layout []member[B]) func() []PlanObject {
	return func() []PlanObject {
		obj := PlanObject{Title: title}
		var nested []PlanObject
		for _, m := range layout {
			obj.Fields = append(obj.Fields, m.describe())
			if m.sub != nil {
				nested = append(nested, m.sub()...)
			}
		}
		return append([]PlanObject{obj}, nested...)
	}
}

func (m member[B]) describe() PlanField {
	if m.attr == nil {
		return PlanField{Name: m.name, Type: m.typ, Doc: m.doc}
	}
	var b B
	zero, _ := m.ref(&b).load()
	typ := jsonTypeOf(zero)
	switch zero.(type) {
	case time.Duration:
		typ = "duration"
	case fs.FileMode:
		typ = "octal string"
	}
	doc := m.attr.Doc
	var allowed []string
	for _, e := range m.attr.Enum {
		if e != "" {
			allowed = append(allowed, "`"+e+"`")
		}
	}
	if len(allowed) > 0 && len(allowed) <= 5 {
		if typ == "array" {
			doc += " Each item is one of " + strings.Join(allowed, ", ") + "."
		} else {
			doc += " One of " + strings.Join(allowed, ", ") + "."
		}
	}
	if m.attr.Sensitive {
		doc += " `\"(sensitive)\"` when set; see Redaction."
	}
	if m.note != "" {
		doc += " " + m.note
	}
	return PlanField{Name: m.name, Type: "setting, " + typ, Doc: doc}
}

// PlanSetting is one setting of the JSON plan: its attribute and where it is in the document, as the
// keys from the top level ("listeners", "0", "tls_min_version": an array's element by its index).
type PlanSetting struct {
	Attr *schema.Attribute
	Path []string
}

// PlanSettings lists every setting of the JSON plan, in document order, from the plan layout.
func PlanSettings() []PlanSetting { return walker("", planLayout)(nil) }

func walker[B any](name string, layout []member[B]) func(path []string) []PlanSetting {
	return func(path []string) []PlanSetting {
		if name != "" {
			path = append(slices.Clone(path), strings.Split(name, "/")...)
		}
		var out []PlanSetting
		for _, m := range layout {
			switch {
			case m.attr != nil:
				out = append(out, PlanSetting{Attr: m.attr, Path: append(slices.Clone(path), m.name)})
			case m.settings != nil:
				out = append(out, m.settings(path)...)
			}
		}
		return out
	}
}
