package compile

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vaultproxy/vaultproxy/schema"
)

// What `vaultproxy run` implements, and the fixed timings it uses that no setting changes. They are
// declared here, upstream of both, so that the runtime executes them and the preview shows them
// without linking the runtime.

// RunTokenWait bounds how long a proxied request waits for an auto-auth token before it gets 503.
const RunTokenWait = 10 * time.Second

// The pause before a proxied request's first retry, doubled before each next one up to
// RunMaxRetryWait, so that the default 12 retries give up within about 10s (Vault's client waits
// 1-1.5s times the attempt number).
const (
	RunFirstRetryWait = 100 * time.Millisecond
	RunMaxRetryWait   = time.Second
)

// Bounds of vaultproxy run that no setting changes (docs/runtime.md, "Server limits"). Vault Proxy
// has the same header, body and idle timeouts (hashicorp/vault command/proxy.go builds its
// http.Server with ReadHeaderTimeout 10s, ReadTimeout 30s, IdleTimeout 5m), and its api client gives
// up on Vault after 60s (hashicorp/vault api/client.go, DefaultConfig). The others are run's own.
const (
	// RunReadHeaderTimeout bounds the reading of a request's headers.
	RunReadHeaderTimeout = 10 * time.Second
	// RunBodyReadTimeout bounds the reading of a request, headers and body, from its start: its
	// first byte, or for a connection's first request the connection's start (408 for a body not
	// read in time). It is Vault Proxy's server's ReadTimeout.
	RunBodyReadTimeout = 30 * time.Second
	// RunIdleTimeout closes a keep-alive connection idle this long.
	RunIdleTimeout = 5 * time.Minute
	// RunMaxHeaderBytes bounds a request's header block (431).
	RunMaxHeaderBytes = 64 << 10
	// RunMaxConnections bounds each listener's open connections; further ones wait to be accepted.
	RunMaxConnections = 4096
	// RunMaxConnectionsPerClient bounds the open connections of one client IP address on each
	// listener, a quarter of RunMaxConnections, so that one client cannot hold them all; further
	// ones are refused at once (503).
	RunMaxConnectionsPerClient = 1024
	// RunMaxRequestSize bounds a request body (413): the default of a listener's max_request_size, Vault's own
	// (hashicorp/vault http/handler.go, DefaultMaxRequestSize).
	RunMaxRequestSize = 32 << 20
	// RunVaultTimeout bounds the wait for Vault's response headers, retries included (504): the
	// default of a listener's max_request_duration.
	RunVaultTimeout = 60 * time.Second
	// RunDialRetryBudget: a request is not retried after a refused connection to Vault once this
	// long has passed since its first attempt (502 at once).
	RunDialRetryBudget = 2 * time.Second
	// RunWriteStallTimeout bounds each write of an answer to a client that does not read it.
	RunWriteStallTimeout = 30 * time.Second
	// RunReloadBuildTimeout bounds how long a reload (SIGHUP) may take to build its new state, which
	// for an auto-auth method may wait on a cloud metadata service (alicloud makes two requests of up
	// to 30 s each; oci's instance principal client has no timeout at all). Beyond it that reload
	// fails, the running plan keeps serving and a reload queued behind it proceeds; the late build's
	// result is discarded. Vault Proxy has no such bound: its reload re-reads only the log level and
	// the listeners' certificates and never rebuilds the auto-auth method (hashicorp/vault
	// command/proxy.go, reloadConfig).
	RunReloadBuildTimeout = 2 * time.Minute
)

// RunRefusals returns what in p vaultproxy run refuses, one message each, worded as runtime.New's
// errors, so that the preview says it too. Run implements every auth method and sink type the
// language has; what it refuses is a plan file that lacks a secret its configuration wrote (a plan
// file never holds one, docs/plan-format.md) where going on without it would do something other
// than the configuration says. It is empty when run can serve p as far as the plan alone tells
// (files, sockets and Vault are only met when run starts).
func RunRefusals(p *Plan) []string {
	aa, ok := p.AutoAuth()
	if !ok {
		return nil
	}
	out := redactedMethodSecrets(aa.Method())
	for _, s := range aa.Sinks() {
		if msg := redactedAAD(s); msg != "" {
			out = append(out, msg)
		}
	}
	return out
}

// redactedMethodSecrets refuses each sensitive config key of the method that was written in the
// configuration when p comes from a plan file, one message per key, in key order. The compiler reads
// a sensitive key written "" as unset (none is required, and none reads "" otherwise), so a sensitive
// key that is set and empty was redacted. A key that has no effect on the plan's other values is not
// refused, since the method goes on without it in any case: one whose ReadOnlyWhen or UsedOnlyWhen
// is known not to hold (aws's nonce with type iam; alicloud's private_key without
// session_expiration), evaluated as the compiler's warnings evaluate it (schema.Condition.Eval).
func redactedMethodSecrets(m Method) []string {
	typ := m.Type().Get()
	sch := schema.MethodConfig(typ)
	c := m.Config()
	value := func(name string) schema.Reading { return c.reading(m, sch, name) }
	var out []string
	for _, k := range c.Keys() {
		if !m.ConfigSensitive(k) || c.Kind(k) != "string" {
			continue
		}
		if v := c.String(k); !v.IsSet() || v.Get() != "" {
			continue
		}
		if a := sch.Attribute(k); a != nil && (knownFalse(a.ReadOnlyWhen, value) || knownFalse(a.UsedOnlyWhen, value)) {
			continue
		}
		out = append(out, redactedMethodSecretMessage(typ, k))
	}
	return out
}

// knownFalse says cond is set and known not to hold: one that cannot be told (it reads a redacted
// secret whose value it needs) may hold.
func knownFalse(cond *schema.Condition, value func(string) schema.Reading) bool {
	if cond == nil {
		return false
	}
	holds, known, _ := cond.Eval(value)
	return known && !holds
}

// reading is the config's value of the key name of the method m, whose config schema is sch, as a
// condition reads it: the compiler's (decoder.conditionValue) as the plan keeps it, written when
// anything but the default decided it. A redacted secret (a sensitive string set and empty) was
// written and not empty, but its value is not at hand: it is not Known.
func (c MethodConfig) reading(m Method, sch *schema.Block, name string) schema.Reading {
	var def string
	if a := sch.Attribute(name); a != nil {
		def = a.Default
	}
	switch c.Kind(name) {
	case "string":
		v := c.String(name)
		switch {
		case !v.IsSet():
			return schema.Reading{Value: v.Get(), Known: true}
		case v.Get() == "" && m.ConfigSensitive(name):
			return schema.Reading{Written: true}
		}
		return schema.Reading{Value: v.Get(), Written: true, Known: true}
	case "bool":
		v := c.Bool(name)
		return schema.Reading{Value: strconv.FormatBool(v.Get()), Written: v.IsSet(), Known: true}
	case "number":
		v := c.Int(name)
		return schema.Reading{Value: strconv.Itoa(v.Get()), Written: v.IsSet(), Known: true}
	case "duration":
		v := c.Duration(name)
		return schema.Reading{Value: FormatDuration(v.Get()), Written: v.IsSet(), Known: true}
	}
	return schema.Reading{Value: def, Known: true}
}

// withoutMethodSecret says, for each sensitive method config key, what the method would do without
// it, and where else the secret can be given (an environment variable the method reads in its
// place), if anywhere.
var withoutMethodSecret = map[string]struct{ without, instead string }{
	// awsutil.GenerateCredentialChain refuses an access key without its secret key, and a session
	// token without its own would be refused by STS (hashicorp/go-secure-stdlib/awsutil v0.3.0
	// generate_credentials.go); its environment provider reads the AWS_* variables.
	"aws.secret_key": {"Vault Proxy refuses access_key without it",
		"give the credentials with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN and leave access_key, secret_key and session_token out"},
	"aws.session_token": {"without it the temporary credentials it belongs to are refused by AWS",
		"give the credentials with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN and leave access_key, secret_key and session_token out"},
	// Vault binds an ec2 instance to the nonce of its first login and refuses another
	// (hashicorp/vault builtin/credential/aws/path_login.go), and a random one is what the method
	// would send without it (command/agentproxyshared/auth/aws/aws.go).
	"aws.nonce": {"without it a new random nonce is sent, which Vault refuses for an instance already bound to this one", ""},
	// gcputil.FindCredentials goes on to GOOGLE_CREDENTIALS, then Application Default Credentials
	// (hashicorp/vault command/agentproxyshared/auth/gcp/gcp.go).
	"gcp.credentials": {"without them the method would log in as whoever GOOGLE_CREDENTIALS or Application Default Credentials name",
		"give the credentials with GOOGLE_CREDENTIALS or GOOGLE_APPLICATION_CREDENTIALS and leave credentials out"},
	// The Alibaba Cloud SDK's configuration provider skips a credential whose secret is missing and
	// the chain goes on to the ECS instance's RAM role (alibaba-cloud-sdk-go
	// sdk/auth/credentials/providers/configuration.go); its environment provider reads ALICLOUD_*
	// (env.go), before the configuration.
	"alicloud.access_secret": {"without it the credential chain skips access_key and logs in with the next credentials it finds, another identity",
		"give the key with ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY (and ALICLOUD_ACCESS_KEY_STS_TOKEN) and leave access_key, access_secret and access_token out"},
	"alicloud.access_token": {"without it the access key's temporary credentials are refused by Alibaba Cloud",
		"give the key with ALICLOUD_ACCESS_KEY, ALICLOUD_SECRET_KEY and ALICLOUD_ACCESS_KEY_STS_TOKEN and leave access_key, access_secret and access_token out"},
	"alicloud.private_key": {"without it the credential chain skips the key pair and logs in with the next credentials it finds, another identity",
		"give the key pair with ALICLOUD_PUBLIC_KEY_ID and ALICLOUD_PRIVATE_KEY (and ALICLOUD_SESSION_EXPIRATION) and leave public_key_id, private_key and session_expiration out"},
}

// redactedMethodSecretMessage is RunRefusals's message for the method's sensitive key k.
func redactedMethodSecretMessage(typ, k string) string {
	verb := "is"
	if strings.HasSuffix(k, "s") {
		verb = "are" // credentials
	}
	w, ok := withoutMethodSecret[typ+"."+k]
	if !ok {
		w.without = "the method would go on without it"
	}
	msg := fmt.Sprintf("auto_auth method %q: its %s %s not in the plan file, which never holds a secret (%s); run the configuration from its files", typ, k, verb, w.without)
	if w.instead != "" {
		msg += ", or " + w.instead
	}
	return msg
}

// redactedAAD refuses a DH sink whose aad was written in the configuration when p comes from a plan
// file (the compiler reads aad = "" as unset, so an aad that is set and empty was redacted):
// encrypting without it would give an envelope the peer cannot open.
func redactedAAD(s Sink) string {
	if s.DHType().Get() != "" && s.AADEnvVar().Get() == "" && s.AAD().IsSet() && s.AAD().Get() == "" {
		return fmt.Sprintf("sink %d (%s): its aad is not in the plan file, which never holds a secret; run the configuration from its files, or give the aad with aad_env_var",
			s.Index()+1, s.Path().Get())
	}
	return ""
}
