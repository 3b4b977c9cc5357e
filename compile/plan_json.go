package compile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// PlanFormatVersion is the format_version of the JSON plan that MarshalJSON writes. The minor version
// rises when fields are added (readers ignore fields they do not know), the major version when a field
// changes meaning or goes away (readers refuse a major version they do not know). docs/plan-format.md
// describes the document.
const PlanFormatVersion = "1.0"

// planMajor is the major version DecodePlanJSON reads.
const planMajor = "1"

// The document's shape. Each effective setting is a jsonValue: the value in force and its origin as
// Origin.String writes it. Each block carries the origin of its header ("default" for a vault or
// api_proxy block that was not written); an optional block that was not written is null.

type jsonValue[T any] struct {
	Value  T      `json:"value"`
	Origin string `json:"origin"`
}

type jsonPlan struct {
	FormatVersion          string              `json:"format_version"`
	Files                  []string            `json:"files"`
	Vault                  jsonVault           `json:"vault"`
	APIProxy               jsonAPIProxy        `json:"api_proxy"`
	ProxyNamespace         jsonValue[string]   `json:"proxy_namespace"`
	Listeners              []jsonListener      `json:"listeners"`
	Cache                  *jsonCache          `json:"cache"`
	AutoAuth               *jsonAutoAuth       `json:"auto_auth"`
	Telemetry              *jsonTelemetry      `json:"telemetry"`
	PidFile                jsonValue[string]   `json:"pid_file"`
	ExitAfterAuth          jsonValue[bool]     `json:"exit_after_auth"`
	DisableIdleConnections jsonValue[[]string] `json:"disable_idle_connections"`
	DisableKeepAlives      jsonValue[[]string] `json:"disable_keep_alives"`
	LogLevel               jsonValue[string]   `json:"log_level"`
	LogFormat              jsonValue[string]   `json:"log_format"`
	LogFile                jsonValue[string]   `json:"log_file"`
	LogRotateDuration      jsonValue[string]   `json:"log_rotate_duration"`
	LogRotateBytes         jsonValue[int]      `json:"log_rotate_bytes"`
	LogRotateMaxFiles      jsonValue[int]      `json:"log_rotate_max_files"`
}

type jsonVault struct {
	Origin        string            `json:"origin"`
	Address       jsonValue[string] `json:"address"`
	CACert        jsonValue[string] `json:"ca_cert"`
	CAPath        jsonValue[string] `json:"ca_path"`
	ClientCert    jsonValue[string] `json:"client_cert"`
	ClientKey     jsonValue[string] `json:"client_key"`
	TLSSkipVerify jsonValue[bool]   `json:"tls_skip_verify"`
	TLSServerName jsonValue[string] `json:"tls_server_name"`
	Namespace     jsonValue[string] `json:"namespace"`
	NumRetries    jsonValue[int]    `json:"num_retries"`
}

type jsonAPIProxy struct {
	Origin                     string            `json:"origin"`
	UseAutoAuthToken           jsonValue[string] `json:"use_auto_auth_token"`
	PrependConfiguredNamespace jsonValue[bool]   `json:"prepend_configured_namespace"`
	EnforceConsistency         jsonValue[string] `json:"enforce_consistency"`
	WhenInconsistent           jsonValue[string] `json:"when_inconsistent"`
}

type jsonListener struct {
	Origin                        string              `json:"origin"`
	Type                          jsonValue[string]   `json:"type"`
	Address                       jsonValue[string]   `json:"address"`
	Role                          jsonValue[string]   `json:"role"`
	RequireRequestHeader          jsonValue[bool]     `json:"require_request_header"`
	EnableQuit                    jsonValue[bool]     `json:"enable_quit"`
	TLSDisable                    jsonValue[bool]     `json:"tls_disable"`
	TLSCertFile                   jsonValue[string]   `json:"tls_cert_file"`
	TLSKeyFile                    jsonValue[string]   `json:"tls_key_file"`
	TLSMinVersion                 jsonValue[string]   `json:"tls_min_version"`
	TLSMaxVersion                 jsonValue[string]   `json:"tls_max_version"`
	TLSCipherSuites               jsonValue[[]string] `json:"tls_cipher_suites"`
	TLSClientCAFile               jsonValue[string]   `json:"tls_client_ca_file"`
	TLSRequireAndVerifyClientCert jsonValue[bool]     `json:"tls_require_and_verify_client_cert"`
	TLSDisableClientCerts         jsonValue[bool]     `json:"tls_disable_client_certs"`
	SocketMode                    jsonValue[string]   `json:"socket_mode"`
	SocketUser                    jsonValue[string]   `json:"socket_user"`
	SocketGroup                   jsonValue[string]   `json:"socket_group"`
}

type jsonCache struct {
	Origin                                     string            `json:"origin"`
	CacheStaticSecrets                         jsonValue[bool]   `json:"cache_static_secrets"`
	DisableCachingDynamicSecrets               jsonValue[bool]   `json:"disable_caching_dynamic_secrets"`
	StaticSecretTokenCapabilityRefreshInterval jsonValue[string] `json:"static_secret_token_capability_refresh_interval"`
	StaticSecretTokenCapabilityRefreshBehavior jsonValue[string] `json:"static_secret_token_capability_refresh_behavior"`
	Persist                                    *jsonPersist      `json:"persist"`
}

type jsonPersist struct {
	Origin                  string            `json:"origin"`
	Type                    jsonValue[string] `json:"type"`
	Path                    jsonValue[string] `json:"path"`
	KeepAfterImport         jsonValue[bool]   `json:"keep_after_import"`
	ExitOnErr               jsonValue[bool]   `json:"exit_on_err"`
	ServiceAccountTokenFile jsonValue[string] `json:"service_account_token_file"`
}

type jsonAutoAuth struct {
	Origin                       string          `json:"origin"`
	EnableReauthOnNewCredentials jsonValue[bool] `json:"enable_reauth_on_new_credentials"`
	Method                       jsonMethod      `json:"method"`
	Sinks                        []jsonSink      `json:"sinks"`
}

type jsonMethod struct {
	Origin         string                     `json:"origin"`
	Type           jsonValue[string]          `json:"type"`
	MountPath      jsonValue[string]          `json:"mount_path"`
	Namespace      jsonValue[string]          `json:"namespace"`
	LoginNamespace jsonValue[string]          `json:"login_namespace"`
	WrapTTL        jsonValue[string]          `json:"wrap_ttl"`
	MinBackoff     jsonValue[string]          `json:"min_backoff"`
	MaxBackoff     jsonValue[string]          `json:"max_backoff"`
	ExitOnErr      jsonValue[bool]            `json:"exit_on_err"`
	ConfigOrigin   string                     `json:"config_origin"`
	Config         map[string]jsonConfigValue `json:"config"`
}

// jsonConfigValue is one key of a method's config: its kind says how value is written (a string, a
// boolean, or a duration string).
type jsonConfigValue struct {
	Kind   string `json:"kind"`
	Value  any    `json:"value"`
	Origin string `json:"origin"`
}

type jsonSink struct {
	Origin    string            `json:"origin"`
	Type      jsonValue[string] `json:"type"`
	WrapTTL   jsonValue[string] `json:"wrap_ttl"`
	DHType    jsonValue[string] `json:"dh_type"`
	DHPath    jsonValue[string] `json:"dh_path"`
	DeriveKey jsonValue[bool]   `json:"derive_key"`
	AAD       jsonValue[string] `json:"aad"`
	AADEnvVar jsonValue[string] `json:"aad_env_var"`
	Path      jsonValue[string] `json:"path"`
	Mode      jsonValue[string] `json:"mode"`
	Owner     jsonValue[int]    `json:"owner"`
	Group     jsonValue[int]    `json:"group"`
}

type jsonTelemetry struct {
	Origin                  string            `json:"origin"`
	PrometheusRetentionTime jsonValue[string] `json:"prometheus_retention_time"`
	MetricsPrefix           jsonValue[string] `json:"metrics_prefix"`
	DisableHostname         jsonValue[bool]   `json:"disable_hostname"`
}

// MarshalJSON writes the plan as the versioned JSON document that `vaultproxy plan -json` prints and
// `-out` saves (docs/plan-format.md): format_version first, then every effective setting with its
// origin, indented with two spaces, fields in a fixed order and map keys sorted, so that the same
// configuration and environment always give the same bytes. Secret values are never written: a
// sink's aad and the sensitive keys of a method's config read "(sensitive)" when they were set.
func (p *Plan) MarshalJSON() ([]byte, error) {
	doc := jsonPlan{
		FormatVersion:          PlanFormatVersion,
		Files:                  nonNil(p.files),
		Vault:                  encodeVault(p.vault),
		APIProxy:               encodeAPIProxy(p.apiProxy),
		ProxyNamespace:         enc(p.proxyNamespace),
		Listeners:              []jsonListener{},
		PidFile:                enc(p.pidFile),
		ExitAfterAuth:          enc(p.exitAfterAuth),
		DisableIdleConnections: encList(p.disableIdleConnections),
		DisableKeepAlives:      encList(p.disableKeepAlives),
		LogLevel:               enc(p.logLevel),
		LogFormat:              enc(p.logFormat),
		LogFile:                enc(p.logFile),
		LogRotateDuration:      encDur(p.logRotateDuration),
		LogRotateBytes:         enc(p.logRotateBytes),
		LogRotateMaxFiles:      enc(p.logRotateMaxFiles),
	}
	for _, l := range p.listeners {
		doc.Listeners = append(doc.Listeners, encodeListener(l))
	}
	if p.hasCache {
		doc.Cache = encodeCache(p.cache)
	}
	if p.hasAuth {
		doc.AutoAuth = encodeAutoAuth(p.autoAuth)
	}
	if p.hasTelem {
		t := p.telemetry
		doc.Telemetry = &jsonTelemetry{
			Origin:                  blockOrigin(true, t.decl),
			PrometheusRetentionTime: encDur(t.prometheusRetentionTime),
			MetricsPrefix:           enc(t.metricsPrefix),
			DisableHostname:         enc(t.disableHostname),
		}
	}
	compact, err := marshalNoEscape(doc)
	if err != nil {
		return nil, err
	}
	return indentPlan(compact)
}

// marshalNoEscape marshals v compactly, leaving <, > and & as they are (a file named <stdin>).
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// jnode is a parsed JSON value that keeps the order of object keys.
type jnode struct {
	obj, arr bool
	keys     []string // of an object
	elems    []*jnode // of an object (one per key) or an array
	scalar   []byte   // a string, number, true, false or null, as written
}

// indentPlan lays the document out as the plan format wants it: an object or array that holds no object
// is written on one line ({"value": "x", "origin": "default"}); any other is indented by two spaces a
// level, one member a line.
func indentPlan(compact []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(compact))
	dec.UseNumber()
	root, err := parseJNode(dec)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := writeJNode(&out, root, 0); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func parseJNode(dec *json.Decoder) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &jnode{obj: t == '{', arr: t == '['}
		for dec.More() {
			if n.obj {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k.(string))
			}
			e, err := parseJNode(dec)
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, e)
		}
		_, err := dec.Token() // the closing delimiter
		return n, err
	case json.Number:
		return &jnode{scalar: []byte(t)}, nil
	default:
		b, err := marshalNoEscape(t)
		return &jnode{scalar: b}, err
	}
}

// flat reports whether n holds no object, so that it is written on one line.
func (n *jnode) flat() bool {
	for _, e := range n.elems {
		if e.obj || !e.flat() {
			return false
		}
	}
	return true
}

func writeJNode(out *bytes.Buffer, n *jnode, depth int) error {
	if !n.obj && !n.arr {
		out.Write(n.scalar)
		return nil
	}
	open, closing := byte('['), byte(']')
	if n.obj {
		open, closing = '{', '}'
	}
	oneLine := n.flat() && (!n.obj || depth > 0)
	out.WriteByte(open)
	for i, e := range n.elems {
		if i > 0 {
			out.WriteByte(',')
			if oneLine {
				out.WriteByte(' ')
			}
		}
		if !oneLine {
			out.WriteByte('\n')
			out.WriteString(strings.Repeat("  ", depth+1))
		}
		if n.obj {
			k, err := marshalNoEscape(n.keys[i])
			if err != nil {
				return err
			}
			out.Write(k)
			out.WriteString(": ")
		}
		if err := writeJNode(out, e, depth+1); err != nil {
			return err
		}
	}
	if !oneLine && len(n.elems) > 0 {
		out.WriteByte('\n')
		out.WriteString(strings.Repeat("  ", depth))
	}
	out.WriteByte(closing)
	return nil
}

func enc[T any](v Value[T]) jsonValue[T] { return jsonValue[T]{Value: v.v, Origin: v.origin.String()} }

func encEnum[T ~string](v Value[T]) jsonValue[string] {
	return jsonValue[string]{Value: string(v.v), Origin: v.origin.String()}
}

func encList(v Value[[]string]) jsonValue[[]string] {
	return jsonValue[[]string]{Value: nonNil(v.v), Origin: v.origin.String()}
}

func encDur(v Value[time.Duration]) jsonValue[string] {
	return jsonValue[string]{Value: FormatDuration(v.v), Origin: v.origin.String()}
}

func encMode(v Value[fs.FileMode]) jsonValue[string] {
	return jsonValue[string]{Value: fmt.Sprintf("%04o", uint32(v.v)), Origin: v.origin.String()}
}

// encSecret writes Redacted for a sensitive value that was set, whatever it holds (even ""), so that a
// decoded plan, which holds no secret, writes the same bytes again.
func encSecret(v Value[string]) jsonValue[string] {
	out := enc(v)
	if v.IsSet() {
		out.Value = Redacted
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// blockOrigin is the origin of a block header: its range, or "default" for a block not written.
func blockOrigin(declared bool, rng hcl.Range) string {
	if !declared {
		return OriginDefault.String()
	}
	return ConfigOrigin(rng).String()
}

func encodeVault(v Vault) jsonVault {
	return jsonVault{
		Origin:        blockOrigin(v.declared, v.decl),
		Address:       enc(v.address),
		CACert:        enc(v.caCert),
		CAPath:        enc(v.caPath),
		ClientCert:    enc(v.clientCert),
		ClientKey:     enc(v.clientKey),
		TLSSkipVerify: enc(v.tlsSkipVerify),
		TLSServerName: enc(v.tlsServerName),
		Namespace:     enc(v.namespace),
		NumRetries:    enc(v.numRetries),
	}
}

func encodeAPIProxy(a APIProxy) jsonAPIProxy {
	return jsonAPIProxy{
		Origin:                     blockOrigin(a.declared, a.decl),
		UseAutoAuthToken:           encEnum(a.useAutoAuthToken),
		PrependConfiguredNamespace: enc(a.prependConfiguredNamespace),
		EnforceConsistency:         encEnum(a.enforceConsistency),
		WhenInconsistent:           encEnum(a.whenInconsistent),
	}
}

func encodeListener(l Listener) jsonListener {
	return jsonListener{
		Origin:                        blockOrigin(true, l.decl),
		Type:                          encEnum(l.typ),
		Address:                       enc(l.address),
		Role:                          encEnum(l.role),
		RequireRequestHeader:          enc(l.requireRequestHeader),
		EnableQuit:                    enc(l.enableQuit),
		TLSDisable:                    enc(l.tlsDisable),
		TLSCertFile:                   enc(l.tlsCertFile),
		TLSKeyFile:                    enc(l.tlsKeyFile),
		TLSMinVersion:                 enc(l.tlsMinVersion),
		TLSMaxVersion:                 enc(l.tlsMaxVersion),
		TLSCipherSuites:               encList(l.tlsCipherSuites),
		TLSClientCAFile:               enc(l.tlsClientCAFile),
		TLSRequireAndVerifyClientCert: enc(l.tlsRequireAndVerifyClientCert),
		TLSDisableClientCerts:         enc(l.tlsDisableClientCerts),
		SocketMode:                    encMode(l.socketMode),
		SocketUser:                    enc(l.socketUser),
		SocketGroup:                   enc(l.socketGroup),
	}
}

func encodeCache(c Cache) *jsonCache {
	out := &jsonCache{
		Origin:                       blockOrigin(true, c.decl),
		CacheStaticSecrets:           enc(c.cacheStaticSecrets),
		DisableCachingDynamicSecrets: enc(c.disableCachingDynamicSecrets),
		StaticSecretTokenCapabilityRefreshInterval: encDur(c.refreshInterval),
		StaticSecretTokenCapabilityRefreshBehavior: encEnum(c.refreshBehavior),
	}
	if c.hasPersist {
		p := c.persist
		out.Persist = &jsonPersist{
			Origin:                  blockOrigin(true, p.decl),
			Type:                    enc(p.typ),
			Path:                    enc(p.path),
			KeepAfterImport:         enc(p.keepAfterImport),
			ExitOnErr:               enc(p.exitOnErr),
			ServiceAccountTokenFile: enc(p.serviceAccountTokenFile),
		}
	}
	return out
}

func encodeAutoAuth(a AutoAuth) *jsonAutoAuth {
	m := a.method
	out := &jsonAutoAuth{
		Origin:                       blockOrigin(true, a.decl),
		EnableReauthOnNewCredentials: enc(a.enableReauthOnNewCredentials),
		Method: jsonMethod{
			Origin:         blockOrigin(true, m.decl),
			Type:           enc(m.typ),
			MountPath:      enc(m.mountPath),
			Namespace:      enc(m.namespace),
			LoginNamespace: enc(m.loginNamespace),
			WrapTTL:        encDur(m.wrapTTL),
			MinBackoff:     encDur(m.minBackoff),
			MaxBackoff:     encDur(m.maxBackoff),
			ExitOnErr:      enc(m.exitOnErr),
			ConfigOrigin:   blockOrigin(true, m.config.decl),
			Config:         map[string]jsonConfigValue{},
		},
		Sinks: []jsonSink{},
	}
	for k, cv := range m.config.values {
		var jv jsonConfigValue
		switch cv.kind {
		case "bool":
			jv = jsonConfigValue{Kind: cv.kind, Value: cv.b.v, Origin: cv.b.origin.String()}
		case "duration":
			jv = jsonConfigValue{Kind: cv.kind, Value: FormatDuration(cv.d.v), Origin: cv.d.origin.String()}
		default:
			s := enc(cv.str)
			if m.ConfigSensitive(k) {
				s = encSecret(cv.str)
			}
			jv = jsonConfigValue{Kind: "string", Value: s.Value, Origin: s.Origin}
		}
		out.Method.Config[k] = jv
	}
	for _, s := range a.sinks {
		out.Sinks = append(out.Sinks, jsonSink{
			Origin:    blockOrigin(true, s.decl),
			Type:      enc(s.typ),
			WrapTTL:   encDur(s.wrapTTL),
			DHType:    enc(s.dhType),
			DHPath:    enc(s.dhPath),
			DeriveKey: enc(s.deriveKey),
			AAD:       encSecret(s.aad),
			AADEnvVar: enc(s.aadEnvVar),
			Path:      enc(s.path),
			Mode:      encMode(s.mode),
			Owner:     enc(s.owner),
			Group:     enc(s.group),
		})
	}
	return out
}

// DecodePlanJSON reads a document written by MarshalJSON back into a Plan, as `vaultproxy run` does with
// a plan file. It accepts format_version 1.x, ignoring fields it does not know (a later minor version
// only adds fields), and refuses any other major version. Encoding the returned Plan gives the bytes it
// was read from. What the document does not hold is not restored: secret values (a sink's aad and
// sensitive method config keys are empty; docs/plan-format.md says how run gets them) and the byte
// offsets of source ranges (lines and columns are kept).
func DecodePlanJSON(b []byte) (*Plan, error) {
	var head struct {
		FormatVersion *string `json:"format_version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("plan file is not valid JSON: %w", err)
	}
	if head.FormatVersion == nil {
		return nil, fmt.Errorf("plan file has no format_version: it is not a vaultproxy plan")
	}
	if major, _, _ := strings.Cut(*head.FormatVersion, "."); major != planMajor {
		return nil, fmt.Errorf("plan file format_version %s is not supported by this vaultproxy (supports %s.x)",
			*head.FormatVersion, planMajor)
	}
	var doc jsonPlan
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("plan file: %w", err)
	}
	d := &planDecoder{}
	p := d.plan(&doc)
	if d.err != nil {
		return nil, d.err
	}
	return p, nil
}

// planDecoder rebuilds a Plan, keeping the first problem found with the path of the field.
type planDecoder struct{ err error }

func (d *planDecoder) fail(path, format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("plan file: %s: %s", path, fmt.Sprintf(format, args...))
	}
}

// rangeOrigin matches hcl.Range.String: "file:line,col-col" or "file:line,col-line,col".
var rangeOrigin = regexp.MustCompile(`^(.*):([0-9]+),([0-9]+)-([0-9]+)(?:,([0-9]+))?$`)

// ParseOrigin reads an origin as Origin.String writes it. A source range gets its file, lines and
// columns back; its byte offsets, which the string does not hold, are 0.
func ParseOrigin(s string) (Origin, error) {
	if m := rangeOrigin.FindStringSubmatch(s); m != nil {
		n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
		r := hcl.Range{Filename: m[1], Start: hcl.Pos{Line: n(2), Column: n(3)}}
		if m[5] == "" {
			r.End = hcl.Pos{Line: r.Start.Line, Column: n(4)}
		} else {
			r.End = hcl.Pos{Line: n(4), Column: n(5)}
		}
		return ConfigOrigin(r), nil
	}
	switch {
	case s == "default":
		return DefaultOrigin(), nil
	case s == "config":
		return ConfigOrigin(hcl.Range{}), nil
	case strings.HasPrefix(s, "env ") && len(s) > len("env "):
		return EnvOrigin(strings.TrimPrefix(s, "env ")), nil
	case strings.HasPrefix(s, "flag -") && len(s) > len("flag -"):
		return FlagOrigin(strings.TrimPrefix(s, "flag -")), nil
	}
	return Origin{}, fmt.Errorf("%q is not an origin (default, FILE:LINE,COL-COL, env NAME or flag -NAME)", s)
}

func (d *planDecoder) origin(path, s string) Origin {
	o, err := ParseOrigin(s)
	if err != nil {
		d.fail(path+".origin", "%s", err)
	}
	return o
}

// block reads a block header's origin: "default" (not written) or a source range.
func (d *planDecoder) block(path, s string) (bool, hcl.Range) {
	o := d.origin(path, s)
	switch o.kind {
	case OriginDefault:
		return false, hcl.Range{}
	case OriginConfig:
		return true, o.rng
	}
	d.fail(path+".origin", "a block's origin is a source range or default, not %q", s)
	return false, hcl.Range{}
}

func dec[T any](d *planDecoder, path string, jv jsonValue[T]) Value[T] {
	return newValue(jv.Value, d.origin(path, jv.Origin))
}

func decEnum[T ~string](d *planDecoder, path string, jv jsonValue[string], allowed ...T) Value[T] {
	for _, a := range allowed {
		if string(a) == jv.Value {
			return newValue(a, d.origin(path, jv.Origin))
		}
	}
	d.fail(path+".value", "%q is not one of %v", jv.Value, allowed)
	return Value[T]{}
}

func decList(d *planDecoder, path string, jv jsonValue[[]string]) Value[[]string] {
	return newValue(nonNil(jv.Value), d.origin(path, jv.Origin))
}

func (d *planDecoder) duration(path, s string) time.Duration {
	v, err := time.ParseDuration(s)
	if err != nil {
		d.fail(path+".value", "%q is not a duration", s)
	}
	return v
}

func decDur(d *planDecoder, path string, jv jsonValue[string]) Value[time.Duration] {
	return newValue(d.duration(path, jv.Value), d.origin(path, jv.Origin))
}

func decMode(d *planDecoder, path string, jv jsonValue[string]) Value[fs.FileMode] {
	m, err := strconv.ParseUint(jv.Value, 8, 32)
	if err != nil {
		d.fail(path+".value", "%q is not an octal file mode", jv.Value)
	}
	return newValue(fs.FileMode(m), d.origin(path, jv.Origin))
}

// decSecret reads a sensitive value. The plan never holds one that was set: its value is empty, whatever
// the file says, and only its origin is kept (encSecret writes Redacted again from that origin).
func decSecret(d *planDecoder, path string, jv jsonValue[string]) Value[string] {
	v := dec(d, path, jv)
	if v.IsSet() {
		v.v = ""
	}
	return v
}

func (d *planDecoder) plan(doc *jsonPlan) *Plan {
	p := &Plan{
		files:                  nonNil(doc.Files),
		vault:                  d.vault(&doc.Vault),
		apiProxy:               d.apiProxy(&doc.APIProxy),
		proxyNamespace:         dec(d, "proxy_namespace", doc.ProxyNamespace),
		pidFile:                dec(d, "pid_file", doc.PidFile),
		exitAfterAuth:          dec(d, "exit_after_auth", doc.ExitAfterAuth),
		disableIdleConnections: decList(d, "disable_idle_connections", doc.DisableIdleConnections),
		disableKeepAlives:      decList(d, "disable_keep_alives", doc.DisableKeepAlives),
		logLevel:               dec(d, "log_level", doc.LogLevel),
		logFormat:              dec(d, "log_format", doc.LogFormat),
		logFile:                dec(d, "log_file", doc.LogFile),
		logRotateDuration:      decDur(d, "log_rotate_duration", doc.LogRotateDuration),
		logRotateBytes:         dec(d, "log_rotate_bytes", doc.LogRotateBytes),
		logRotateMaxFiles:      dec(d, "log_rotate_max_files", doc.LogRotateMaxFiles),
	}
	for i := range doc.Listeners {
		p.listeners = append(p.listeners, d.listener(i, &doc.Listeners[i]))
	}
	if doc.Cache != nil {
		p.cache, p.hasCache = d.cache(doc.Cache), true
	}
	if doc.AutoAuth != nil {
		p.autoAuth, p.hasAuth = d.autoAuth(doc.AutoAuth), true
	}
	if t := doc.Telemetry; t != nil {
		_, decl := d.block("telemetry", t.Origin)
		p.telemetry = Telemetry{
			decl:                    decl,
			prometheusRetentionTime: decDur(d, "telemetry.prometheus_retention_time", t.PrometheusRetentionTime),
			metricsPrefix:           dec(d, "telemetry.metrics_prefix", t.MetricsPrefix),
			disableHostname:         dec(d, "telemetry.disable_hostname", t.DisableHostname),
		}
		p.hasTelem = true
	}
	return p
}

func (d *planDecoder) vault(j *jsonVault) Vault {
	v := Vault{}
	v.declared, v.decl = d.block("vault", j.Origin)
	v.address = dec(d, "vault.address", j.Address)
	v.caCert = dec(d, "vault.ca_cert", j.CACert)
	v.caPath = dec(d, "vault.ca_path", j.CAPath)
	v.clientCert = dec(d, "vault.client_cert", j.ClientCert)
	v.clientKey = dec(d, "vault.client_key", j.ClientKey)
	v.tlsSkipVerify = dec(d, "vault.tls_skip_verify", j.TLSSkipVerify)
	v.tlsServerName = dec(d, "vault.tls_server_name", j.TLSServerName)
	v.namespace = dec(d, "vault.namespace", j.Namespace)
	v.numRetries = dec(d, "vault.num_retries", j.NumRetries)
	return v
}

func (d *planDecoder) apiProxy(j *jsonAPIProxy) APIProxy {
	a := APIProxy{}
	a.declared, a.decl = d.block("api_proxy", j.Origin)
	a.useAutoAuthToken = decEnum(d, "api_proxy.use_auto_auth_token", j.UseAutoAuthToken,
		TokenModeClient, TokenModeAutoAuth, TokenModeForce)
	a.prependConfiguredNamespace = dec(d, "api_proxy.prepend_configured_namespace", j.PrependConfiguredNamespace)
	a.enforceConsistency = decEnum(d, "api_proxy.enforce_consistency", j.EnforceConsistency,
		ConsistencyNever, ConsistencyAlways)
	a.whenInconsistent = decEnum(d, "api_proxy.when_inconsistent", j.WhenInconsistent,
		WhenInconsistentFail, WhenInconsistentRetry, WhenInconsistentForward)
	return a
}

func (d *planDecoder) listener(i int, j *jsonListener) Listener {
	path := fmt.Sprintf("listeners[%d]", i)
	f := func(name string) string { return path + "." + name }
	l := Listener{index: i}
	_, l.decl = d.block(path, j.Origin)
	l.typ = decEnum(d, f("type"), j.Type, ListenerTCP, ListenerUnix)
	l.address = dec(d, f("address"), j.Address)
	l.role = decEnum(d, f("role"), j.Role, RoleDefault, RoleMetricsOnly)
	l.requireRequestHeader = dec(d, f("require_request_header"), j.RequireRequestHeader)
	l.enableQuit = dec(d, f("enable_quit"), j.EnableQuit)
	l.tlsDisable = dec(d, f("tls_disable"), j.TLSDisable)
	l.tlsCertFile = dec(d, f("tls_cert_file"), j.TLSCertFile)
	l.tlsKeyFile = dec(d, f("tls_key_file"), j.TLSKeyFile)
	l.tlsMinVersion = dec(d, f("tls_min_version"), j.TLSMinVersion)
	l.tlsMaxVersion = dec(d, f("tls_max_version"), j.TLSMaxVersion)
	l.tlsCipherSuites = decList(d, f("tls_cipher_suites"), j.TLSCipherSuites)
	l.tlsClientCAFile = dec(d, f("tls_client_ca_file"), j.TLSClientCAFile)
	l.tlsRequireAndVerifyClientCert = dec(d, f("tls_require_and_verify_client_cert"), j.TLSRequireAndVerifyClientCert)
	l.tlsDisableClientCerts = dec(d, f("tls_disable_client_certs"), j.TLSDisableClientCerts)
	l.socketMode = decMode(d, f("socket_mode"), j.SocketMode)
	l.socketUser = dec(d, f("socket_user"), j.SocketUser)
	l.socketGroup = dec(d, f("socket_group"), j.SocketGroup)
	return l
}

func (d *planDecoder) cache(j *jsonCache) Cache {
	c := Cache{}
	_, c.decl = d.block("cache", j.Origin)
	c.cacheStaticSecrets = dec(d, "cache.cache_static_secrets", j.CacheStaticSecrets)
	c.disableCachingDynamicSecrets = dec(d, "cache.disable_caching_dynamic_secrets", j.DisableCachingDynamicSecrets)
	c.refreshInterval = decDur(d, "cache.static_secret_token_capability_refresh_interval", j.StaticSecretTokenCapabilityRefreshInterval)
	c.refreshBehavior = decEnum(d, "cache.static_secret_token_capability_refresh_behavior", j.StaticSecretTokenCapabilityRefreshBehavior,
		RefreshOptimistic, RefreshPessimistic)
	if jp := j.Persist; jp != nil {
		c.hasPersist = true
		_, c.persist.decl = d.block("cache.persist", jp.Origin)
		c.persist.typ = dec(d, "cache.persist.type", jp.Type)
		c.persist.path = dec(d, "cache.persist.path", jp.Path)
		c.persist.keepAfterImport = dec(d, "cache.persist.keep_after_import", jp.KeepAfterImport)
		c.persist.exitOnErr = dec(d, "cache.persist.exit_on_err", jp.ExitOnErr)
		c.persist.serviceAccountTokenFile = dec(d, "cache.persist.service_account_token_file", jp.ServiceAccountTokenFile)
	}
	return c
}

func (d *planDecoder) autoAuth(j *jsonAutoAuth) AutoAuth {
	a := AutoAuth{}
	_, a.decl = d.block("auto_auth", j.Origin)
	a.enableReauthOnNewCredentials = dec(d, "auto_auth.enable_reauth_on_new_credentials", j.EnableReauthOnNewCredentials)
	jm := &j.Method
	m := Method{}
	_, m.decl = d.block("auto_auth.method", jm.Origin)
	m.typ = dec(d, "auto_auth.method.type", jm.Type)
	m.mountPath = dec(d, "auto_auth.method.mount_path", jm.MountPath)
	m.namespace = dec(d, "auto_auth.method.namespace", jm.Namespace)
	m.loginNamespace = dec(d, "auto_auth.method.login_namespace", jm.LoginNamespace)
	m.wrapTTL = decDur(d, "auto_auth.method.wrap_ttl", jm.WrapTTL)
	m.minBackoff = decDur(d, "auto_auth.method.min_backoff", jm.MinBackoff)
	m.maxBackoff = decDur(d, "auto_auth.method.max_backoff", jm.MaxBackoff)
	m.exitOnErr = dec(d, "auto_auth.method.exit_on_err", jm.ExitOnErr)
	m.config = MethodConfig{values: map[string]configValue{}}
	_, m.config.decl = d.block("auto_auth.method.config_origin", jm.ConfigOrigin)
	for k, jv := range jm.Config {
		path := "auto_auth.method.config." + k
		o := d.origin(path, jv.Origin)
		cv := configValue{kind: jv.Kind, isSet: o.kind != OriginDefault}
		switch jv.Kind {
		case "bool":
			b, ok := jv.Value.(bool)
			if !ok {
				d.fail(path+".value", "a bool key holds %v", jv.Value)
			}
			cv.b = newValue(b, o)
		case "duration":
			s, ok := jv.Value.(string)
			if !ok {
				d.fail(path+".value", "a duration key holds %v", jv.Value)
			}
			cv.d = newValue(d.duration(path, s), o)
		case "string":
			s, ok := jv.Value.(string)
			if !ok {
				d.fail(path+".value", "a string key holds %v", jv.Value)
			}
			cv.str = newValue(s, o)
			if m.ConfigSensitive(k) {
				cv.str = decSecret(d, path, jsonValue[string]{Value: s, Origin: jv.Origin})
			}
		default:
			d.fail(path+".kind", "%q is not one of string, bool, duration", jv.Kind)
		}
		m.config.values[k] = cv
	}
	a.method = m
	for i := range j.Sinks {
		js := &j.Sinks[i]
		path := fmt.Sprintf("auto_auth.sinks[%d]", i)
		f := func(name string) string { return path + "." + name }
		s := Sink{index: i}
		_, s.decl = d.block(path, js.Origin)
		s.typ = dec(d, f("type"), js.Type)
		s.wrapTTL = decDur(d, f("wrap_ttl"), js.WrapTTL)
		s.dhType = dec(d, f("dh_type"), js.DHType)
		s.dhPath = dec(d, f("dh_path"), js.DHPath)
		s.deriveKey = dec(d, f("derive_key"), js.DeriveKey)
		s.aad = decSecret(d, f("aad"), js.AAD)
		s.aadEnvVar = dec(d, f("aad_env_var"), js.AADEnvVar)
		s.path = dec(d, f("path"), js.Path)
		s.mode = decMode(d, f("mode"), js.Mode)
		s.owner = dec(d, f("owner"), js.Owner)
		s.group = dec(d, f("group"), js.Group)
		a.sinks = append(a.sinks, s)
	}
	return a
}
