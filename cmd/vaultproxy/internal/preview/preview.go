package preview

import (
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/mitchellh/go-wordwrap"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/schema"
)

// Width is the width the preview fits: no line is longer, except one holding a single value (a long
// path) that cannot be broken.
const Width = 80

// exampleNamespace is the X-Vault-Namespace of the example request in the namespace table.
const exampleNamespace = "team-1"

// Write writes the preview of p to w.
func Write(w io.Writer, p *compile.Plan) error {
	pw := &printer{}
	pw.plan(p)
	_, err := io.WriteString(w, pw.b.String())
	return err
}

// printer builds the text: section titles and rows of `label  value  [origin]`, with the origin
// right-aligned to Width, and wrapped paragraphs of explanation.
type printer struct {
	b      strings.Builder
	labelW int // width of the label column in the current section
}

func (w *printer) line(s string) { w.b.WriteString(strings.TrimRight(s, " ") + "\n") }

func (w *printer) blank() { w.b.WriteString("\n") }

// rightAlign writes left with tag at the right edge, or tag on a line of its own when both do not fit.
func (w *printer) rightAlign(left, tag string) {
	if tag == "" {
		w.line(left)
		return
	}
	if gap := Width - len(left) - len(tag); gap >= 2 {
		w.line(left + strings.Repeat(" ", gap) + tag)
		return
	}
	w.line(left)
	w.line(strings.Repeat(" ", max(Width-len(tag), 0)) + tag)
}

// section starts a section: a blank line, then the title with the origin of its block, if any.
func (w *printer) section(title, origin string, labelW int) {
	if w.b.Len() > 0 {
		w.blank()
	}
	w.labelW = labelW
	w.rightAlign(title, origin)
}

// row writes one setting at the given indent.
func (w *printer) row(indent int, label, value string, origin compile.Origin) {
	w.rightAlign(w.left(indent, label, value), tag(origin))
}

// listRow writes a list setting: its first item on the row, the others one a line below it.
func (w *printer) listRow(indent int, label string, items []string, origin compile.Origin, none string) {
	if len(items) == 0 {
		w.row(indent, label, none, origin)
		return
	}
	w.row(indent, label, items[0], origin)
	for _, it := range items[1:] {
		w.line(w.left(indent, "", it))
	}
}

// note writes a row whose value is an explanation rather than a setting: no origin, and a value too
// long for the line is wrapped under the value column.
func (w *printer) note(indent int, label, text string) {
	col := indent + max(w.labelW, len(label)) + 2
	lines := strings.Split(wordwrap.WrapString(text, uint(Width-col)), "\n")
	w.line(w.left(indent, label, lines[0]))
	for _, l := range lines[1:] {
		w.line(strings.Repeat(" ", col) + l)
	}
}

// para writes a wrapped paragraph at the given indent.
func (w *printer) para(indent int, text string) {
	for _, l := range strings.Split(wordwrap.WrapString(text, uint(Width-indent)), "\n") {
		w.line(strings.Repeat(" ", indent) + l)
	}
}

func (w *printer) left(indent int, label, value string) string {
	pad := max(w.labelW-len(label), 0)
	return strings.Repeat(" ", indent) + label + strings.Repeat(" ", pad+2) + value
}

func tag(o compile.Origin) string { return "[" + o.String() + "]" }

func blockTag(declared bool, o compile.Origin) string {
	if !declared {
		return "[not written: defaults]"
	}
	return tag(o)
}

func str(v compile.Value[string], none string) string {
	if v.Get() == "" {
		return none
	}
	return v.Get()
}

func boolean(v compile.Value[bool]) string { return strconv.FormatBool(v.Get()) }

func dur(v compile.Value[time.Duration]) string { return compile.FormatDuration(v.Get()) }

func mode(m fs.FileMode) string { return fmt.Sprintf("%04o", uint32(m)) }

// namespace renders a canonical namespace; "" is the root namespace.
func namespace(ns string) string {
	if ns == "" {
		return "none: the root namespace"
	}
	return ns
}

func (w *printer) plan(p *compile.Plan) {
	w.line("Configuration: " + strings.Join(p.Files(), ", "))
	if refused := compile.RunRefusals(p); len(refused) > 0 {
		w.blank()
		w.line("vaultproxy run refuses this configuration:")
		for _, r := range refused {
			lines := strings.Split(wordwrap.WrapString(r, uint(Width-4)), "\n")
			w.line("  - " + lines[0])
			for _, l := range lines[1:] {
				w.line("    " + l)
			}
		}
	}
	w.vault(p)
	for _, l := range p.Listeners() {
		w.listener(p, l)
	}
	w.requests(p)
	w.autoAuth(p)
	w.cache(p)
	w.telemetry(p)
	w.process(p)
}

func (w *printer) vault(p *compile.Plan) {
	v := p.Vault()
	w.section("Vault", blockTag(v.Declared(), v.Origin()), 16)
	w.row(2, "address", v.Address().Get(), v.Address().Origin())
	w.note(2, "TLS", vaultTLS(v))
	w.row(2, "ca_cert", str(v.CACert(), "none"), v.CACert().Origin())
	w.row(2, "ca_path", str(v.CAPath(), "none"), v.CAPath().Origin())
	w.row(2, "client_cert", str(v.ClientCert(), "none"), v.ClientCert().Origin())
	w.row(2, "client_key", str(v.ClientKey(), "none"), v.ClientKey().Origin())
	w.row(2, "tls_skip_verify", boolean(v.TLSSkipVerify()), v.TLSSkipVerify().Origin())
	w.row(2, "tls_server_name", str(v.TLSServerName(), "none: the address's host"), v.TLSServerName().Origin())
	w.row(2, "namespace", str(v.Namespace(), "none"), v.Namespace().Origin())
	retries := strconv.Itoa(v.NumRetries().Get()) + ": for proxied requests (see Requests)"
	if v.NumRetries().Get() <= 0 {
		retries = strconv.Itoa(v.NumRetries().Get()) + ": no request is retried"
	}
	w.row(2, "num_retries", retries, v.NumRetries().Origin())
}

// vaultTLS says how the connection to Vault is secured.
func vaultTLS(v compile.Vault) string {
	ep, err := v.Endpoint()
	if err == nil && ep.Socket != "" {
		return "off: plain HTTP over the unix socket " + ep.Socket
	}
	if err == nil && ep.URL.Scheme == "http" {
		return "off: plain HTTP to Vault"
	}
	var s string
	switch {
	case v.TLSSkipVerify().Get():
		s = "on, but Vault's certificate is NOT verified (tls_skip_verify)"
	case v.CACert().Get() != "":
		s = "on; Vault's certificate is verified against ca_cert"
	case v.CAPath().Get() != "":
		s = "on; Vault's certificate is verified against the CAs in ca_path"
	default:
		s = "on; Vault's certificate is verified against the system's CAs"
	}
	if v.ClientCert().Get() != "" {
		s += "; the proxy presents client_cert"
	}
	return s
}

func (w *printer) listener(p *compile.Plan, l compile.Listener) {
	title := fmt.Sprintf("Listener %d: %s %s", l.Index()+1, l.Type().Get(), str(l.Address(), "(no socket path)"))
	w.section(title, tag(l.Origin()), 22)
	w.row(2, "address", str(l.Address(), "none"), l.Address().Origin())
	if l.Type().Get() == compile.ListenerUnix {
		m := "unchanged: the umask decides"
		if l.SocketMode().IsSet() {
			m = mode(l.SocketMode().Get())
		}
		w.row(2, "socket_mode", m, l.SocketMode().Origin())
		w.row(2, "socket_user", str(l.SocketUser(), "unchanged: the process's user"), l.SocketUser().Origin())
		w.row(2, "socket_group", str(l.SocketGroup(), "unchanged: the process's group"), l.SocketGroup().Origin())
	}
	w.row(2, "tls_disable", boolean(l.TLSDisable()), l.TLSDisable().Origin())
	if l.TLSDisable().Get() {
		w.note(2, "transport", "plain HTTP: requests and tokens are not encrypted")
	} else {
		w.note(2, "transport", "TLS")
		w.row(2, "tls_cert_file", str(l.TLSCertFile(), "none"), l.TLSCertFile().Origin())
		w.row(2, "tls_key_file", str(l.TLSKeyFile(), "none"), l.TLSKeyFile().Origin())
		w.row(2, "tls_min_version", l.TLSMinVersion().Get().String(), l.TLSMinVersion().Origin())
		w.row(2, "tls_max_version", l.TLSMaxVersion().Get().String(), l.TLSMaxVersion().Origin())
		w.listRow(2, "tls_cipher_suites", l.TLSCipherSuites().Get().Names(), l.TLSCipherSuites().Origin(), "Go's defaults")
		w.row(2, "tls_client_ca_file", str(l.TLSClientCAFile(), "none"), l.TLSClientCAFile().Origin())
		w.row(2, "tls_require_and_verify_client_cert", boolean(l.TLSRequireAndVerifyClientCert()), l.TLSRequireAndVerifyClientCert().Origin())
		w.row(2, "tls_disable_client_certs", boolean(l.TLSDisableClientCerts()), l.TLSDisableClientCerts().Origin())
		var cc string
		switch {
		case l.TLSRequireAndVerifyClientCert().Get():
			cc = "required, and verified against tls_client_ca_file"
			if l.TLSClientCAFile().Get() == "" {
				cc = "required, and verified against the system's CAs"
			}
		case l.TLSDisableClientCerts().Get():
			cc = "not asked for"
		default:
			cc = "asked for, but neither required nor verified"
		}
		w.note(2, "client certificates", cc)
	}
	w.row(2, "role", string(l.Role().Get()), l.Role().Origin())
	serve := func(label, path, what string) { w.note(2, label, fmt.Sprintf("%-23s%s", path, what)) }
	const metrics = "GET: Prometheus text"
	const ready = "GET: 200 when ready, else 503"
	if l.Role().Get() == compile.RoleMetricsOnly {
		serve("serves", "/proxy/v1/metrics", metrics)
		serve("", "/proxy/v1/ready", ready)
		w.note(2, "", "nothing else: any other path gets 404")
	} else {
		serve("serves", "/v1/...", "proxied to Vault (see Requests)")
		serve("", "/proxy/v1/metrics", metrics)
		serve("", "/proxy/v1/ready", ready)
		if _, ok := p.Cache(); ok {
			serve("", "/proxy/v1/cache-clear", "POST or PUT evicts entries")
		} else {
			serve("", "/proxy/v1/cache-clear", "200, does nothing: no cache")
		}
		if l.EnableQuit().Get() {
			serve("", "/proxy/v1/quit", "POST shuts the proxy down")
		}
	}
	w.row(2, "enable_quit", boolean(l.EnableQuit()), l.EnableQuit().Origin())
	if l.EnableQuit().Get() && l.Role().Get() == compile.RoleMetricsOnly {
		w.note(2, "quit", "not served: a metrics_only listener answers /proxy/v1/quit with 404")
	}
	w.row(2, "require_request_header", boolean(l.RequireRequestHeader()), l.RequireRequestHeader().Origin())
	if l.RequireRequestHeader().Get() {
		w.note(2, "X-Vault-Request", "required on every path: a request without exactly one `X-Vault-Request: true` header gets 412")
	} else {
		w.note(2, "X-Vault-Request", "not required")
	}
	size := "no limit (negative)"
	if n := l.RequestSizeLimit(); n >= 0 {
		size = strconv.FormatInt(n, 10) + " bytes (413 beyond)"
	}
	w.row(2, "max_request_size", size, l.MaxRequestSize().Origin())
	w.row(2, "max_request_duration", compile.FormatDuration(l.RequestDurationLimit())+" (504 beyond)", l.MaxRequestDuration().Origin())
	w.note(2, "limits", fmt.Sprintf("%d connections at once, %d of them from one client address; headers of at most %d KiB within %s (431); headers and body within %s of the request's start (408), read whole before Vault sees it; idle connections closed after %s",
		compile.RunMaxConnections, compile.RunMaxConnectionsPerClient, compile.RunMaxHeaderBytes>>10, compile.FormatDuration(compile.RunReadHeaderTimeout),
		compile.FormatDuration(compile.RunBodyReadTimeout), compile.FormatDuration(compile.RunIdleTimeout)))
}

// requests is the decision table of what a proxied request becomes. The api_proxy settings are global,
// so the table is written once for every listener that proxies.
func (w *printer) requests(p *compile.Plan) {
	var proxying []string
	var first compile.Listener
	for _, l := range p.Listeners() {
		if l.Role().Get() != compile.RoleMetricsOnly {
			if proxying == nil {
				first = l
			}
			proxying = append(proxying, strconv.Itoa(l.Index()+1))
		}
	}
	a := p.APIProxy()
	title := "Requests to /v1/... (api_proxy)"
	if len(proxying) == 0 {
		w.section(title, blockTag(a.Declared(), a.Origin()), 28)
		w.para(2, "No listener proxies requests to Vault.")
		return
	}
	if len(proxying) == 1 {
		title = "Requests to /v1/... on listener " + proxying[0] + " (api_proxy)"
	} else {
		title = "Requests to /v1/... on listeners " + strings.Join(proxying, ", ") + " (api_proxy)"
	}
	w.section(title, blockTag(a.Declared(), a.Origin()), 28)
	mode := a.UseAutoAuthToken()
	prepend := a.PrependConfiguredNamespace()
	ns := p.ProxyNamespace()
	w.row(2, "use_auto_auth_token", string(mode.Get()), mode.Origin())
	w.row(2, "prepend_configured_namespace", boolean(prepend), prepend.Origin())
	w.row(2, "configured namespace", str(ns, "none"), ns.Origin())
	w.row(2, "enforce_consistency", string(a.EnforceConsistency().Get()), a.EnforceConsistency().Origin())
	w.row(2, "when_inconsistent", string(a.WhenInconsistent().Get()), a.WhenInconsistent().Origin())

	w.labelW = 33
	ex := example{p: p, l: first}
	w.requestToken(ex, mode.Get())
	w.requestNamespace(ex, prepend.Get(), ns.Get())
	retries := p.Vault().NumRetries().Get()
	w.requestRetries(p, retries)
	w.requestConsistency(a, retries)
	w.requestCaching(p)
}

// requestToken is the table's part on the X-Vault-Token that reaches Vault under mode: the
// decisions (request.Decide) for an example request with and without one.
func (w *printer) requestToken(ex example, mode compile.TokenMode) {
	w.blank()
	w.line("  Token: the X-Vault-Token that reaches Vault")
	with := ex.decide("X-Vault-Token: " + exampleToken)
	w.note(4, "request with X-Vault-Token", tokenRow(with.Token, true))
	w.note(4, "request without X-Vault-Token", tokenRow(ex.decide().Token, false))
	note := "An empty X-Vault-Token header counts as none. Authorization is forwarded as sent."
	if mode != compile.TokenModeClient {
		note += fmt.Sprintf(" A request that gets the auto-auth token while auto-auth has none (before the first login, or while a refused token is checked or replaced) waits up to %s for it, then gets 503.", compile.FormatDuration(compile.RunTokenWait))
	}
	w.para(4, note)
	if mode != compile.TokenModeClient {
		w.para(4, "The auto-auth token never reaches a client: answers to auth/token/lookup-self and renew-self made with it (and to lookup and renew when they are about it) lose the token and its accessor, and such a request that asks for response wrapping (X-Vault-Wrap-TTL) is refused with 400. A 403 saying 'invalid token' to a request made with it makes auto-auth check the token, and log in again when Vault no longer accepts it.")
	}
}

// requestNamespace is the table's part on the X-Vault-Namespace that reaches Vault, given
// prepend_configured_namespace and the configured namespace ns.
func (w *printer) requestNamespace(ex example, prepend bool, ns string) {
	w.blank()
	w.line("  Namespace: the X-Vault-Namespace that reaches Vault")
	w.note(4, "request without X-Vault-Namespace", namespaceRow(ex.decide()))
	w.note(4, "X-Vault-Namespace: "+exampleNamespace, namespaceRow(ex.decide("X-Vault-Namespace: "+exampleNamespace)))
	switch {
	case prepend && ns != "":
		w.para(4, fmt.Sprintf("The configured namespace %s is prepended to every request's namespace. A request whose X-Vault-Namespace is an absolute path (/team-1) or has a . or .. segment is refused with 400, and does not reach Vault.", ns))
	default:
		switch {
		case prepend:
			w.para(4, "prepend_configured_namespace is on, but no namespace is configured: nothing is prepended.")
		case ns != "":
			w.para(4, fmt.Sprintf("The configured namespace %s is NOT applied to proxied requests: prepend_configured_namespace is off. A request reaches Vault in the namespace of its own X-Vault-Namespace header, or the root namespace without one.", ns))
		}
	}
}

// requestRetries is the table's part on which requests are retried, up to retries times.
func (w *printer) requestRetries(p *compile.Plan, retries int) {
	w.blank()
	w.line("  Retries")
	timeout := " A request whose answer has not begun within its listener's max_request_duration, retries included, gets 504."
	if retries <= 0 {
		w.para(4, "None (num_retries): a failed request goes back to the client as Vault answered it, or as 502 when Vault cannot be reached."+timeout)
	} else {
		w.para(4, fmt.Sprintf("A GET, HEAD, OPTIONS or LIST request is retried, up to %d times (num_retries), after a connection error, a 429 or a 5xx other than 501, waiting %s and doubling up to %s between attempts; a connection Vault refuses is retried for %s at most. Other requests (PUT, POST, DELETE...) are never retried: Vault may have applied them. When Vault cannot be reached, the client gets 502.",
			retries, compile.FormatDuration(compile.RunFirstRetryWait), compile.FormatDuration(compile.RunMaxRetryWait), compile.FormatDuration(compile.RunDialRetryBudget))+timeout)
	}
}

// requestConsistency is the table's part on the consistency headers and what a 412 does; a 412 is
// retried only when requests are (retries).
func (w *printer) requestConsistency(a compile.APIProxy, retries int) {
	w.blank()
	w.line("  Consistency")
	back := "A 412 from Vault (a node behind those states) goes back to the client, not retried."
	if a.EnforceConsistency().Get() == compile.ConsistencyAlways {
		added := "The proxy adds the X-Vault-Index states it has seen (at most 2) to each request that carries none of X-Vault-Index, X-Vault-Forward and X-Vault-Inconsistent; a request that carries one goes as sent."
		switch a.WhenInconsistent().Get() {
		case compile.WhenInconsistentRetry:
			if retries > 0 {
				w.para(4, added+fmt.Sprintf(" A 412 from Vault (a node behind those states) to such a GET, HEAD, OPTIONS or LIST request is retried as above, up to %d times (num_retries); to any other request it goes back to the client.", retries))
			} else {
				w.para(4, added+" A 412 from Vault (a node behind those states) goes back to the client: when_inconsistent is retry, but no request is retried (num_retries).")
			}
		case compile.WhenInconsistentForward:
			w.para(4, added+" It also adds X-Vault-Inconsistent: forward-active-node, so a node behind those states forwards the request to the active node instead of answering 412. A 412 that still comes goes back to the client, not retried.")
		default:
			w.para(4, added+" "+back)
		}
	} else {
		w.para(4, "No consistency header is added; X-Vault-Index, X-Vault-Forward and X-Vault-Inconsistent from the client go as sent. A 412 from Vault goes back to the client, not retried.")
		if a.WhenInconsistent().IsSet() {
			w.para(4, "when_inconsistent has no effect: enforce_consistency is not \"always\".")
		}
	}
}

// requestCaching is the table's part on whether and how answers are cached.
func (w *printer) requestCaching(p *compile.Plan) {
	w.blank()
	w.line("  Caching")
	c, ok := p.Cache()
	switch {
	case !ok:
		w.para(4, "Not cached: there is no cache block, so every request reaches Vault.")
	default:
		if c.DisableCachingDynamicSecrets().Get() {
			w.para(4, "Leased secrets and tokens are not cached (disable_caching_dynamic_secrets).")
		} else {
			managed := "a token it cached"
			if _, hasAuth := p.AutoAuth(); hasAuth {
				managed = "the auto-auth token, or a token it cached"
			}
			w.para(4, fmt.Sprintf("Cached: a 2xx JSON answer to a GET, POST or PUT that holds a renewable lease, when the token Vault receives is managed by the proxy (%s), or a new renewable token that is an orphan (a login) or whose parent is managed. The same request again (method, path, query, namespace, token, headers and body) is then answered from the cache, with X-Cache: HIT. The proxy renews what it caches; renewals, revocations and wrapped requests always reach Vault.", managed))
		}
		if c.CacheStaticSecrets().Get() {
			w.para(4, fmt.Sprintf("Static secrets (cache_static_secrets): a 2xx answer of a KV mount to a GET with a token is kept per X-Vault-Namespace, path as requested and ?version=N, and answered from the cache, with X-Cache: HIT, to each token Vault answered for that same request itself; any other query always reaches Vault. Vault Enterprise's KV event stream (subscribed to with the auto-auth token) keeps it fresh; without the stream the secrets are re-read every %s. Each token's read access is re-checked every %s (sys/capabilities-self); a check Vault fails to answer %s. Writes through the proxy evict what they change.",
				dur(c.StaticSecretTokenCapabilityRefreshInterval()), dur(c.StaticSecretTokenCapabilityRefreshInterval()), refreshBehaviorText(c.StaticSecretTokenCapabilityRefreshBehavior().Get())))
		}
	}
}

// refreshBehaviorText says what a capability check that fails (other than "permission denied")
// does under static_secret_token_capability_refresh_behavior.
func refreshBehaviorText(b compile.RefreshBehavior) string {
	if b == compile.RefreshPessimistic {
		return "takes the token's access away (pessimistic)"
	}
	return "keeps the token's access until the next check (optimistic)"
}

// readPeriodDefault is what an unset duration key of a method means: for jwt_read_period and ldap's
// password_read_period, a default that depends on whether the file is removed after reading
// (schema.JWTReadPeriodDefault, schema.LDAPReadPeriodDefault).
func readPeriodDefault(typ, key string, cfg compile.MethodConfig) string {
	var remove bool
	var file string
	var period func(bool) time.Duration
	switch {
	case typ == "jwt" && key == "jwt_read_period":
		remove, file, period = cfg.Bool("remove_jwt_after_reading").Get(), "JWT file", schema.JWTReadPeriodDefault
	case typ == "ldap" && key == "password_read_period":
		remove, file, period = cfg.Bool("remove_password_after_reading").Get(), "password file", schema.LDAPReadPeriodDefault
	default:
		return "the method's default"
	}
	if remove {
		return compile.FormatDuration(period(remove)) + ", as the " + file + " is removed"
	}
	return compile.FormatDuration(period(remove)) + ", as the " + file + " is kept"
}

func (w *printer) autoAuth(p *compile.Plan) {
	a, ok := p.AutoAuth()
	if !ok {
		w.section("Auto-auth", "", 22)
		w.para(2, "None: the proxy has no token of its own.")
		return
	}
	w.section("Auto-auth", tag(a.Origin()), 22)
	m := a.Method()
	w.row(2, "method", m.Type().Get(), m.Origin())
	w.row(2, "mount_path", m.MountPath().Get(), m.MountPath().Origin())
	if m.Type().Get() == "token_file" {
		w.note(2, "login", "GET "+m.LoginPath()+": no login; the token read from token_file_path is checked, then renewed while it is renewable")
	} else {
		login := "PUT " + m.LoginPath() // vault/api Logical().Write sends PUT
		switch key, role := m.LoginRole(); {
		case role.Get() == "" || key == schema.MethodLogins[m.Type().Get()].PathKey:
			// no role, or the path already ends with it
		case key == "role":
			login += fmt.Sprintf(" for the role %q", role.Get())
		default:
			login += fmt.Sprintf(" for the role %q (%s)", role.Get(), key)
		}
		w.note(2, "login", login)
	}
	if src := m.CredentialSources(); src != "" {
		w.note(2, "credentials", src)
	}
	w.row(2, "login namespace", namespace(m.LoginNamespace().Get()), m.LoginNamespace().Origin())
	w.row(2, "namespace", str(m.Namespace(), "none"), m.Namespace().Origin())
	w.row(2, "min_backoff", dur(m.MinBackoff()), m.MinBackoff().Origin())
	w.row(2, "max_backoff", dur(m.MaxBackoff()), m.MaxBackoff().Origin())
	if m.ExitOnErr().Get() {
		w.note(2, "after a failed login", "the process exits with status 1 (exit_on_err)")
	} else {
		w.note(2, "after a failed login", fmt.Sprintf("wait %s, doubling up to %s, each wait shortened by up to 25%% at random, then log in again", dur(m.MinBackoff()), dur(m.MaxBackoff())))
	}
	w.row(2, "exit_on_err", boolean(m.ExitOnErr()), m.ExitOnErr().Origin())
	w.row(2, "wrap_ttl", dur(m.WrapTTL()), m.WrapTTL().Origin())
	w.row(2, "enable_reauth_on_new_credentials", boolean(a.EnableReauthOnNewCredentials()), a.EnableReauthOnNewCredentials().Origin())

	cfg := m.Config()
	w.rightAlign("  config", tag(cfg.Origin()))
	keys := cfg.Keys()
	if len(keys) == 0 {
		w.para(4, "no keys")
	}
	for _, k := range keys {
		var val string
		var o compile.Origin
		switch cfg.Kind(k) {
		case "bool":
			val, o = boolean(cfg.Bool(k)), cfg.Bool(k).Origin()
		case "number":
			val, o = strconv.Itoa(cfg.Int(k).Get()), cfg.Int(k).Origin()
			if a := schema.MethodConfig(m.Type().Get()).Attribute(k); !cfg.Int(k).IsSet() && a.Default == "" {
				// Not written, and no default: say what Vault Proxy does without it.
				w.row(4, k, "none", o)
				if a.UnsetMeans != "" {
					w.note(4, "", a.UnsetMeans)
				}
				continue
			}
		case "duration":
			val, o = dur(cfg.Duration(k)), cfg.Duration(k).Origin()
			if !cfg.Duration(k).IsSet() && cfg.Duration(k).Get() == 0 {
				val = readPeriodDefault(m.Type().Get(), k, cfg)
			}
		default:
			s := cfg.String(k)
			val, o = str(s, "none"), s.Origin()
			if a := schema.MethodConfig(m.Type().Get()).Attribute(k); a != nil && a.EmptyMeans != "" && s.IsSet() && s.Get() == "" {
				// Written empty, which Vault Proxy reads as a value of its own: say what it means.
				w.row(4, k, `""`, o)
				w.note(4, "", a.EmptyMeans)
				continue
			}
			if m.ConfigSensitive(k) && s.IsSet() {
				val = compile.Redacted
			}
		}
		w.row(4, k, val, o)
	}

	sinks := a.Sinks()
	if len(sinks) == 0 {
		w.para(2, "No sink: the token is written nowhere; only the proxy uses it.")
	}
	for _, s := range sinks {
		w.rightAlign(fmt.Sprintf("  sink %d: %s", s.Index()+1, s.Type().Get()), tag(s.Origin()))
		w.row(4, "path", str(s.Path(), "none"), s.Path().Origin())
		w.row(4, "mode", mode(s.Mode().Get()), s.Mode().Origin())
		w.row(4, "owner", ownerText(s.Owner().Get(), "user"), s.Owner().Origin())
		w.row(4, "group", ownerText(s.Group().Get(), "group"), s.Group().Origin())
		w.row(4, "wrap_ttl", dur(s.WrapTTL()), s.WrapTTL().Origin())
		switch {
		case m.WrapTTL().Get() > 0 && m.Type().Get() == "token_file":
			w.note(4, "written", fmt.Sprintf("the wrapping information (JSON) of a response-wrapped copy of the token, TTL %s (the method's wrap_ttl); the token is not renewed", dur(m.WrapTTL())))
		case m.WrapTTL().Get() > 0:
			w.note(4, "written", fmt.Sprintf("the wrapping information (JSON) of the response-wrapped login, TTL %s (the method's wrap_ttl); the token is not renewed", dur(m.WrapTTL())))
		case s.WrapTTL().Get() > 0:
			w.note(4, "written", fmt.Sprintf("the wrapping information (JSON) of a response-wrapped copy of each new token, TTL %s (this sink's wrap_ttl)", dur(s.WrapTTL())))
		default:
			w.note(4, "written", "each new token itself, not wrapped, replacing the file atomically")
		}
		w.row(4, "dh_type", str(s.DHType(), "none: not encrypted"), s.DHType().Origin())
		if s.DHType().Get() != "" {
			w.row(4, "dh_path", str(s.DHPath(), "none"), s.DHPath().Origin())
			w.row(4, "derive_key", boolean(s.DeriveKey()), s.DeriveKey().Origin())
			aad := "none"
			if s.AAD().IsSet() {
				aad = compile.Redacted
			}
			w.row(4, "aad", aad, s.AAD().Origin())
			w.row(4, "aad_env_var", str(s.AADEnvVar(), "none"), s.AADEnvVar().Origin())
			key := "the X25519 shared secret"
			if s.DeriveKey().Get() {
				key = "HKDF-SHA256 of the X25519 shared secret"
			}
			w.note(4, "encrypted", fmt.Sprintf("the file holds the JSON {curve25519_public_key, nonce, encrypted_payload}: that content, sealed with AES-256-GCM for the public key read from dh_path (each write retried until that file exists), the key being %s", key))
		}
	}
}

func ownerText(id int, what string) string {
	if id < 0 {
		return "the process's " + what
	}
	return strconv.Itoa(id)
}

func (w *printer) cache(p *compile.Plan) {
	c, ok := p.Cache()
	if !ok {
		w.section("Cache", "", 31)
		w.para(2, "None: nothing is cached.")
		return
	}
	w.section("Cache", tag(c.Origin()), 31)
	w.row(2, "disable_caching_dynamic_secrets", boolean(c.DisableCachingDynamicSecrets()), c.DisableCachingDynamicSecrets().Origin())
	w.row(2, "cache_static_secrets", boolean(c.CacheStaticSecrets()), c.CacheStaticSecrets().Origin())
	if c.CacheStaticSecrets().Get() {
		iv := c.StaticSecretTokenCapabilityRefreshInterval()
		bh := c.StaticSecretTokenCapabilityRefreshBehavior()
		w.row(2, "static_secret_token_capability_refresh_interval", dur(iv), iv.Origin())
		w.row(2, "static_secret_token_capability_refresh_behavior", string(bh.Get()), bh.Origin())
		w.para(2, "What run does with static secrets: see Caching under Requests.")
	}
	if st := c.ServeStaleFor(); st.Get() > 0 {
		w.row(2, "serve_stale_for", dur(st)+": past a lease's end, while Vault is unreachable (X-Cache: STALE)", st.Origin())
	} else {
		w.row(2, "serve_stale_for", "0s: off; an unreachable Vault is a 502", st.Origin())
	}
	pe, ok := c.Persist()
	if !ok {
		w.note(2, "persist", "none: the cache lives in memory and starts empty")
		return
	}
	w.rightAlign("  persist: "+pe.Type().Get(), tag(pe.Origin()))
	w.labelW = 26
	w.row(4, "path", str(pe.Path(), "none"), pe.Path().Origin())
	w.row(4, "keep_after_import", boolean(pe.KeepAfterImport()), pe.KeepAfterImport().Origin())
	w.row(4, "exit_on_err", boolean(pe.ExitOnErr()), pe.ExitOnErr().Origin())
	if pe.Type().Get() == "file" {
		w.row(4, "key_file", str(pe.KeyFile(), "none"), pe.KeyFile().Origin())
	} else {
		w.row(4, "service_account_token_file", str(pe.ServiceAccountTokenFile(), "none"), pe.ServiceAccountTokenFile().Origin())
	}
	w.para(4, persistText(pe, p))
}

// persistText says what run does with the persist block (docs/cache.md, "Persistence"). The
// auto-auth token is stored and preloaded only with an auto_auth method that does not wrap its
// token (runtime.persistOptions).
func persistText(pe compile.Persist, p *compile.Plan) string {
	file := strings.TrimSuffix(pe.Path().Get(), "/") + "/" + schema.PersistFileName
	secret, other := "the service-account token", "another service-account token"
	if pe.Type().Get() == "file" {
		secret, other = "the key in key_file (base64 of 32 bytes; a missing or malformed one stops run)", "another key"
	}
	s := "Tokens and leases are written through to " + file + " (mode 0600; a missing directory is created 0700), " +
		"encrypted with AES-256-GCM under a key derived from the file's random key material and " + secret + ". " +
		"At start-up an existing file is restored, expired entries skipped; a restored entry is served only once its first " +
		"renewal succeeds (a request waits for it up to 10s, else goes to Vault). "
	aa, hasAuth := p.AutoAuth()
	switch {
	case !hasAuth:
		s += "There is no auto_auth, so no auto-auth token is stored or restored. "
	case aa.Method().WrapTTL().Get() > 0:
		s += "The auth method wraps its token (wrap_ttl), so no auto-auth token is stored or restored. "
	default:
		s += "The auto-auth token is stored with a fingerprint of the auth method (type, mount_path, namespace, config); " +
			"a restored one is used only when that fingerprint is unchanged, after auth/token/lookup-self confirms it " +
			"(retried with the method's backoff while Vault cannot answer; a refused one means a new login). "
	}
	if pe.KeepAfterImport().Get() {
		s += "The file is then rewritten with new key material and kept up to date. "
	} else {
		s += "The file is deleted once run serves, and this run writes none (the next start creates one). "
	}
	if pe.ExitOnErr().Get() {
		s += "A file that cannot be restored (" + other + ", an altered, truncated or empty file) stops run."
	} else {
		s += "A file that cannot be restored (" + other + ", an altered, truncated or empty file) is logged, " +
			"removed, and the cache starts empty with a new file."
	}
	return s + " A file that cannot be opened (permission denied) stops run and is left as it is."
}

func (w *printer) telemetry(p *compile.Plan) {
	t, ok := p.Telemetry()
	if !ok {
		w.section("Telemetry", "", 25)
		w.para(2, fmt.Sprintf("None: /proxy/v1/metrics serves the Prometheus text format all the same; %s.", metricNames(p.MetricNamePrefix())))
		return
	}
	w.section("Telemetry", tag(t.Origin()), 25)
	w.row(2, "prometheus_retention_time", dur(t.PrometheusRetentionTime()), t.PrometheusRetentionTime().Origin())
	w.row(2, "metrics_prefix", t.MetricsPrefix().Get(), t.MetricsPrefix().Origin())
	w.row(2, "disable_hostname", boolean(t.DisableHostname()), t.DisableHostname().Origin())
	w.para(2, fmt.Sprintf("/proxy/v1/metrics serves the Prometheus text format, whatever prometheus_retention_time says; %s. They carry no host name, so disable_hostname changes nothing.", metricNames(p.MetricNamePrefix())))
}

// metricNames names the first metrics /proxy/v1/metrics serves, with the prefix run applies.
func metricNames(prefix string) string {
	return fmt.Sprintf("metric names start with %s_proxy_ (%s_proxy_requests_total...)", prefix, prefix)
}

func (w *printer) process(p *compile.Plan) {
	w.section("Process", "", 24)
	w.row(2, "pid_file", str(p.PidFile(), "none"), p.PidFile().Origin())
	w.row(2, "exit_after_auth", boolean(p.ExitAfterAuth()), p.ExitAfterAuth().Origin())
	w.listRow(2, "disable_idle_connections", p.DisableIdleConnections().Get(), p.DisableIdleConnections().Origin(), "none")
	w.listRow(2, "disable_keep_alives", p.DisableKeepAlives().Get(), p.DisableKeepAlives().Origin(), "none")
	w.row(2, "log_level", p.LogLevel().Get(), p.LogLevel().Origin())
	w.row(2, "log_format", p.LogFormat().Get(), p.LogFormat().Origin())
	w.row(2, "log_file", str(p.LogFile(), "none: standard error only"), p.LogFile().Origin())
	if p.LogFile().Get() != "" {
		w.note(2, "written to", "standard error, and appended to log_file")
		w.row(2, "log_rotate_duration", dur(p.LogRotateDuration()), p.LogRotateDuration().Origin())
		w.row(2, "log_rotate_bytes", strconv.Itoa(p.LogRotateBytes().Get()), p.LogRotateBytes().Origin())
		w.row(2, "log_rotate_max_files", strconv.Itoa(p.LogRotateMaxFiles().Get()), p.LogRotateMaxFiles().Origin())
		rotation := "none: vaultproxy run never rotates log_file, which grows"
		if p.LogRotateDuration().IsSet() || p.LogRotateBytes().IsSet() || p.LogRotateMaxFiles().IsSet() {
			rotation += "; the log_rotate_* settings are ignored, with a warning at start-up"
		}
		w.note(2, "rotation", rotation)
	}
}
