package compile

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vaultproxy/vaultproxy/diagcode"
	"github.com/vaultproxy/vaultproxy/schema"
)

// Vault Proxy's Vault client reads the vault/api environment variables when the proxy starts
// (api.Config.ReadEnvironment and api.NewClient in hashicorp/vault api/client.go). A value it cannot parse stops
// the proxy before it serves anything ("Error fetching client: failed to read environment: ..."), so
// such a value is an error here, without a source range, naming the variable. vaultproxy uses only some
// of these variables; the others are checked so that validate fails where Vault Proxy would, and a
// valid one that changes what Vault Proxy does is a warning, since vaultproxy run does not apply it.

// The codes of the environment's diagnostics.
var (
	codeInvalidEnvironmentVariable = diagcode.New("invalid_environment_variable",
		"An environment variable of Vault's client that sets no setting of the plan holds a value that stops Vault Proxy at start-up (a variable that overrides a setting gets the code of the value's problem: invalid_value, unsupported_value, invalid_vault_address).",
		"$ VAULT_RATE_LIMIT=many vaultproxy validate proxy.hcl")
	codeIgnoredEnvironmentVariable = diagcode.New("ignored_environment_variable",
		"An environment variable that changes what Vault Proxy does is set, and vaultproxy run does not apply it.",
		"$ VAULT_RATE_LIMIT=10 vaultproxy validate proxy.hcl")
)

// envFailure is the error for a variable that stops Vault Proxy at start-up: what is wrong with the
// value, and what Vault Proxy says.
func (b *builder) envFailure(name, problem, vaultSays string) {
	b.fail(codeInvalidEnvironmentVariable, "Invalid environment variable",
		fmt.Sprintf("%s %s. Vault Proxy fails to start with it: %q.", name, problem, vaultSays), nil)
}

// settingEnvFailure is envFailure for a variable that overrides a setting: its code is invalid_value,
// as for the same value written in a configuration.
func (b *builder) settingEnvFailure(name, problem, vaultSays string) {
	b.fail(codeInvalidValue, "Invalid environment variable",
		fmt.Sprintf("%s %s. Vault Proxy fails to start with it: %q.", name, problem, vaultSays), nil)
}

// ignoredEnv warns about a variable that Vault Proxy's Vault client applies and vaultproxy run does
// not (the plan does not carry it): what Vault Proxy would do with it (e.VaultDoes). shown is how the
// variable is named in the message, with its value where the value may be shown.
func (b *builder) ignoredEnv(shown string, e *schema.EnvVar) {
	b.warn(codeIgnoredEnvironmentVariable, "Environment variable ignored",
		fmt.Sprintf("%s is set. Vault Proxy %s; vaultproxy run does not apply it.", shown, e.VaultDoes), nil)
}

// envPair is NAME=value, as the other warnings about variables show it.
func envPair(name, value string) string { return name + "=" + value }

// quotedEnv is NAME="value", for the variables whose value may be shown.
func quotedEnv(name, value string) string { return fmt.Sprintf("%s=%q", name, value) }

// checkClientEnv checks the variables of Vault Proxy's Vault client that the plan does not use, in
// the order ReadEnvironment and NewClient read them. VAULT_ADDR, VAULT_MAX_RETRIES and
// VAULT_SKIP_VERIFY are checked where they are used (buildVault).
func (b *builder) checkClientEnv() {
	const readEnv = "failed to read environment: "
	if v, ok := b.opts.env(schema.EnvAgentAddr.Name); ok {
		if _, err := url.Parse(v); err != nil {
			b.envFailure(quotedEnv(schema.EnvAgentAddr.Name, v), "is not a URL", "failed to create client: "+err.Error())
		}
	}
	_, hasCert := b.opts.env(schema.VaultClientCert.Env)
	_, hasKey := b.opts.env(schema.VaultClientKey.Env)
	if hasCert != hasKey {
		set, unset := schema.VaultClientCert.Env, schema.VaultClientKey.Env
		if hasKey {
			set, unset = unset, set
		}
		b.envFailure(set, "is set without "+unset, readEnv+"both client cert and client key must be provided")
	}
	if v, ok := b.opts.env(schema.EnvCACertBytes.Name); ok {
		if !x509.NewCertPool().AppendCertsFromPEM([]byte(v)) {
			b.envFailure(schema.EnvCACertBytes.Name, "holds no PEM certificate", readEnv+"Error appending CA: Couldn't parse PEM")
		} else {
			b.ignoredEnv(schema.EnvCACertBytes.Name, schema.EnvCACertBytes)
		}
	}
	if v, ok := b.opts.env(schema.EnvRateLimit.Name); ok {
		var rate float64
		var burst int
		if _, err := fmt.Sscanf(v, "%f:%d", &rate, &burst); err != nil {
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				b.envFailure(quotedEnv(schema.EnvRateLimit.Name, v), "is not a rate of requests per second, optionally with a burst (\"10\" or \"10:20\")",
					readEnv+schema.EnvRateLimit.Name+" was provided but incorrectly formatted")
				return
			}
		}
		b.ignoredEnv(envPair(schema.EnvRateLimit.Name, v), schema.EnvRateLimit)
	}
	if v, ok := b.opts.env(schema.EnvClientTimeout.Name); ok {
		if err := clientTimeout(v); err != nil {
			b.envFailure(quotedEnv(schema.EnvClientTimeout.Name, v), "is not a duration such as \"60s\" or a number of seconds",
				readEnv+"could not parse "+strconv.Quote(schema.EnvClientTimeout.Name))
		} else {
			b.ignoredEnv(envPair(schema.EnvClientTimeout.Name, v), schema.EnvClientTimeout)
		}
	}
	for _, e := range []*schema.EnvVar{schema.EnvSRVLookup, schema.EnvDisableRedirects} {
		if v, ok := b.opts.env(e.Name); ok {
			on, err := strconv.ParseBool(v)
			switch {
			case err != nil:
				b.envFailure(quotedEnv(e.Name, v), "is not a boolean (true, false, 1, 0, t, f...)", readEnv+"could not parse "+e.Name)
			case on:
				// Off is the default in both: only on changes what Vault Proxy does.
				b.ignoredEnv(envPair(e.Name, v), e)
			}
		}
	}
	// VAULT_PROXY_ADDR replaces VAULT_HTTP_PROXY, which is then not parsed.
	for _, e := range []*schema.EnvVar{schema.EnvProxyAddr, schema.EnvHTTPProxy} {
		if v, ok := b.opts.env(e.Name); ok {
			if _, err := url.Parse(v); err != nil {
				b.envFailure(quotedEnv(e.Name, v), "is not a URL", readEnv+err.Error())
			} else if v != "" {
				b.ignoredEnv(envPair(e.Name, v), e)
			}
			break
		}
	}
	if v, ok := b.opts.env(schema.EnvHeaders.Name); ok {
		// The value is not shown: headers often carry credentials.
		var headers map[string]any
		if err := json.Unmarshal([]byte(v), &headers); err != nil {
			b.envFailure(schema.EnvHeaders.Name, "is not a JSON object of header names and values", "failed to create client: could not unmarshal environment-supplied headers")
			return
		}
		var forbidden []string
		for k, hv := range headers {
			if strings.HasPrefix(k, "X-Vault-") {
				forbidden = append(forbidden, k)
				continue
			}
			if _, ok := hv.(string); !ok {
				b.envFailure(schema.EnvHeaders.Name, fmt.Sprintf("gives header %q a value that is not a string", k),
					"failed to create client: environment-supplied headers include non-string values")
				return
			}
		}
		if len(forbidden) > 0 {
			b.envFailure(schema.EnvHeaders.Name, "sets headers that start with X-Vault-", fmt.Sprintf(
				"failed to create client: failed to setup Headers[%s]: Header starting by 'X-Vault-' are for internal usage only", strings.Join(forbidden, ", ")))
			return
		}
		if len(headers) > 0 {
			b.ignoredEnv(schema.EnvHeaders.Name, schema.EnvHeaders)
		}
	}
}

// clientTimeout parses VAULT_CLIENT_TIMEOUT as parseutil.ParseDurationSecond parses a string: a whole
// number of seconds, a number of days ("<n>d") or a Go duration; negative values are accepted.
func clientTimeout(v string) error {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n > math.MaxInt64/int64(time.Second) || n < math.MinInt64/int64(time.Second) {
			return strconv.ErrRange
		}
		return nil
	}
	if strings.HasSuffix(v, "d") {
		n, err := strconv.ParseInt(v[:len(v)-1], 10, 64)
		if err != nil {
			return err
		}
		if n > math.MaxInt64/int64(24*time.Hour) || n < math.MinInt64/int64(24*time.Hour) {
			return strconv.ErrRange
		}
		return nil
	}
	_, err := time.ParseDuration(v)
	return err
}
