package compile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/diagcode"
	"github.com/vaultproxy/vaultproxy/schema"
)

// A plan file's value must agree with its origin as the compiler's does: a value whose origin is
// default is the default (run reads the origin to tell whether a setting was written: a socket_mode
// of "0660" marked default was ignored); env and flag name the variable and flag that override the
// setting; a source range names one of the plan's files. The decoder refuses any other pairing, which
// no configuration gives and which writing the plan again would not preserve as meant.

// CodeInconsistentPlanValue is the code of a plan-file value that contradicts its origin or the values
// it derives from.
var CodeInconsistentPlanValue = diagcode.New("inconsistent_plan_value",
	"A plan file value that no configuration gives: it contradicts its origin (a value other than the default marked default, an env or flag origin that does not override the setting), or the values it derives from (proxy_namespace, login_namespace).",
	"$ vaultproxy validate plan.json  # \"socket_mode\": {\"value\": \"0660\", \"origin\": \"default\"}")

func (d *planDecoder) inconsistent(rng hcl.Range, summary, detail string) {
	d.diags = append(d.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail,
		Subject: rng.Ptr(), Extra: CodeInconsistentPlanValue})
}

// checkOrigin checks that the value v of attribute a agrees with its origin o. vp and op are the value
// and the origin in the plan file; def, when not nil, is the default the compiler gives this setting
// where the schema's does not say it (a method's mount_path, a unix listener's address). It reports
// whether they agree.
func (d *planDecoder) checkOrigin(path string, a *schema.Attribute, vp, op property, v any, o Origin, def any) bool {
	switch o.kind {
	case OriginDefault:
		if a.Required {
			d.inconsistent(op.val.Range(), "Required setting marked default",
				fmt.Sprintf("%s must be written in the configuration, so its origin cannot be default.", path))
			return false
		}
		if def == nil {
			def = schemaDefault(a, v)
		}
		if got, want := compactJSON(encodeValue(a, v, o)), compactJSON(encodeValue(a, def, o)); got != want {
			d.inconsistent(vp.val.Range(), "Value is not the default",
				fmt.Sprintf("The origin of %s is default, which says nothing set it, so its value is the default, %s, not %s. Give the origin of what set it, or the default value.",
					path, want, got))
			return false
		}
	case OriginEnv:
		if a == schema.SinkAAD {
			return true // named by aad_env_var, which checkSinkAAD compares it with
		}
		if a.Env == "" {
			d.inconsistent(op.val.Range(), "Origin not possible for this setting",
				fmt.Sprintf("No environment variable sets %s; its origin cannot be %q.", path, o))
			return false
		}
		if o.name != a.Env {
			d.inconsistent(op.val.Range(), "Origin not possible for this setting",
				fmt.Sprintf("The environment variable that sets %s is %s, not %s. Did you mean %q?", path, a.Env, o.name, EnvOrigin(a.Env).String()))
			return false
		}
	case OriginFlag:
		if a.Flag == "" {
			d.inconsistent(op.val.Range(), "Origin not possible for this setting",
				fmt.Sprintf("No command-line flag sets %s; its origin cannot be %q.", path, o))
			return false
		}
		if o.name != a.Flag {
			d.inconsistent(op.val.Range(), "Origin not possible for this setting",
				fmt.Sprintf("The flag that sets %s is -%s, not -%s. Did you mean %q?", path, a.Flag, o.name, FlagOrigin(a.Flag).String()))
			return false
		}
	case OriginConfig:
		return d.checkFile(op, o)
	}
	return true
}

// checkFile checks that a source range origin names one of the plan's files.
func (d *planDecoder) checkFile(op property, o Origin) bool {
	if d.files == nil || slices.Contains(d.files, o.rng.Filename) {
		return true
	}
	d.inconsistent(op.val.Range(), "Origin names no file of the plan",
		fmt.Sprintf("%q names %q, which is not one of the plan's files (%s).", o, o.rng.Filename, quoteList(d.files)))
	return false
}

// schemaDefault is the value a setting of zero's Go type has when nothing set it: the schema's
// default, in the plan's form.
func schemaDefault(a *schema.Attribute, zero any) any {
	s := a.Default
	var v any
	switch zero.(type) {
	case bool:
		v = s == "true"
	case int:
		v, _ = strconv.Atoi(orZero(s))
	case time.Duration:
		v, _ = time.ParseDuration(orZero(s))
	case fs.FileMode:
		m, _ := strconv.ParseUint(orZero(s), 8, 32)
		v = fs.FileMode(m)
	case TLSVersion:
		v, _ = ParseTLSVersion(s)
	case CipherSuites:
		v = CipherSuites{}
	case []string:
		v = []string{}
		if s != "" {
			v = strings.Split(s, ",")
		}
	default:
		rv := reflect.New(reflect.TypeOf(zero)).Elem()
		rv.SetString(s)
		v = rv.Interface()
	}
	if form := planForms[a]; form != nil {
		v = form(v)
	}
	return v
}

// compactJSON is n as compact JSON, for comparing values and showing them in messages.
func compactJSON(n *jsonNode) string {
	var written, out bytes.Buffer
	_ = writeJSONNode(&written, n, 0)
	_ = json.Compact(&out, written.Bytes())
	return out.String()
}

// processID is a sink's owner or group when none is written: the process's.
const processID = -1

// processIDDefault is the default of a sink's owner and group, for the plan layout.
func processIDDefault(*Sink) any { return processID }

// checkDerived checks, once every value of a plan file is read without error, what a value holds
// against what it derives from, as the compiler derives it (build.go): the namespaces in effect, a
// sink's aad read from aad_env_var, token_file's fixed mount path, and the settings of a vault or
// api_proxy block that was not written.
func (d *planDecoder) checkDerived(p *Plan) {
	d.checkNamespaces(p)
	if p.hasAuth {
		m := &p.autoAuth.method
		if m.typ.v == "token_file" && m.mountPath.IsSet() {
			d.inconsistent(m.mountPath.at, "Origin not possible for this setting",
				fmt.Sprintf("The token_file method always uses %s, whatever mount_path says: its origin is default.", defaultMountPath(m.typ.v)))
		}
		for i := range p.autoAuth.sinks {
			d.checkSinkAAD(fmt.Sprintf("auto_auth.sinks[%d]", i), &p.autoAuth.sinks[i])
		}
	}
	if !p.vault.declared {
		checkUnwritten(d, "vault", &p.vault, vaultLayout)
	}
	if !p.apiProxy.declared {
		checkUnwritten(d, "api_proxy", &p.apiProxy, apiProxyLayout)
	}
}

// checkNamespaces checks proxy_namespace and login_namespace against the namespaces they derive from
// (Plan.ProxyNamespace, Method.LoginNamespace): -namespace or VAULT_NAMESPACE, which override both and
// which their origins name; otherwise vault.namespace then the method's for proxied requests, the
// method's then vault.namespace for the login.
func (d *planDecoder) checkNamespaces(p *Plan) {
	proxy := p.vault.namespace
	var method Value[string]
	if p.hasAuth {
		method = p.autoAuth.method.namespace
	}
	if !proxy.IsSet() && method.IsSet() {
		proxy = method
	}
	login := method
	if !login.IsSet() {
		login = p.vault.namespace
	}
	if k := p.proxyNamespace.origin.kind; k == OriginEnv || k == OriginFlag {
		proxy, login = p.proxyNamespace, p.proxyNamespace // the override, which applies to both
	}
	const from = "-namespace, VAULT_NAMESPACE, vault.namespace, auto_auth.method.namespace"
	d.derivedFrom("proxy_namespace", p.proxyNamespace, proxy, from)
	if p.hasAuth {
		d.derivedFrom("auto_auth.method.login_namespace", p.autoAuth.method.loginNamespace, login,
			"-namespace, VAULT_NAMESPACE, auto_auth.method.namespace, vault.namespace")
	}
}

// derivedFrom refuses got, the plan file's value of a derived setting, when it is not want.
func (d *planDecoder) derivedFrom(path string, got, want Value[string], from string) {
	if got.v == want.v && got.origin == want.origin {
		return
	}
	canonical := fmt.Sprintf(`{"value": %s, "origin": %s}`, jsonString(want.v).scalar, jsonString(want.origin.String()).scalar)
	d.inconsistent(got.at, "Derived value does not agree",
		fmt.Sprintf("%s is the first of %s that is set: in this plan, %q from %s, not %q from %s. Did you mean %s?",
			path, from, want.v, want.origin, got.v, got.origin, canonical))
}

// checkSinkAAD checks a sink's aad against aad_env_var: with aad_env_var set, the aad is that
// variable's value (origin env NAME), and an aad with an env origin needs it.
func (d *planDecoder) checkSinkAAD(path string, s *Sink) {
	name := s.aadEnvVar.v
	switch {
	case name != "" && s.aad.origin != EnvOrigin(name):
		d.inconsistent(s.aad.at, "Derived value does not agree",
			fmt.Sprintf("%s.aad_env_var is %q, so the aad is read from that variable: its origin is %q, not %q.", path, name, EnvOrigin(name), s.aad.origin))
	case name == "" && s.aad.origin.kind == OriginEnv:
		d.inconsistent(s.aad.at, "Derived value does not agree",
			fmt.Sprintf("The origin of %s.aad is %q, but aad_env_var is not set: only aad_env_var names a variable the aad is read from.", path, s.aad.origin))
	}
}

// checkUnwritten refuses a setting with a source range origin in a block whose origin says it was not
// written.
func checkUnwritten[B any](d *planDecoder, path string, b *B, layout []member[B]) {
	for _, m := range layout {
		if m.attr == nil {
			continue
		}
		s := m.ref(b)
		if _, o := s.load(); o.kind == OriginConfig {
			d.inconsistent(s.where(), "Origin not possible for this setting",
				fmt.Sprintf("The %s block's origin is default, which says it was not written, so %s.%s cannot come from %s.", path, path, m.name, o))
		}
	}
}
