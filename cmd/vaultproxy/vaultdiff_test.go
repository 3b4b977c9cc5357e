package main

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/fixtures"
	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// deliberate lists the configurations that Vault Proxy 1.21 accepts (`vault proxy -test-verify-only`)
// and vaultproxy rejects on purpose, each with the heading of docs/differences.md that explains why.
// Keys are fixture names: the case name for the txtar cases, "examples/<file>" for the README's.
// Vault's own test fixtures are TestVaultCorpus's (corpusDeliberate).
var deliberate = map[string]string{
	// socket_mode is an octal string; a JSON number is refused.
	"cases/22-unix-socket-mode-unquoted":                         hSocketMode,
	"compile/json/socket-mode-number":                            hSocketMode,
	"cases/07-unknown-attribute":                                 hUnknown,
	"cases/07-unknown-block":                                     hUnknown,
	"compile/api_proxy/unknown-attribute":                        hUnknown,
	"compile/auto_auth/unknown-attribute":                        hUnknown,
	"compile/json/unknown-attribute":                             hUnknown,
	"compile/json/unknown-block":                                 hUnknown,
	"compile/listener/unknown-attribute":                         hUnknown,
	"compile/method/unknown-attribute":                           hUnknown,
	"compile/method/approle-unknown-key":                         hUnknown,
	"compile/method/approle-key-outside-config":                  hUnknown,
	"compile/method/token-file-key-outside-config":               hUnknown,
	"compile/method/kubernetes-unknown-key":                      hUnknown,
	"compile/persist/unknown-attribute":                          hUnknown,
	"compile/proxy_api/unknown-attribute":                        hUnknown,
	"compile/retry/unknown-attribute":                            hUnknown,
	"compile/sink/unknown-config-key":                            hUnknown,
	"compile/telemetry/unknown-attribute":                        hUnknown,
	"compile/top/unknown-attribute":                              hUnknown,
	"compile/vault/unknown-attribute":                            hUnknown,
	"compile/vault/unknown-block":                                hUnknown,
	"compile/sibling/wrong-block":                                hUnknown,
	"compile/sibling/top-level-and-nested":                       hUnknown,
	"compile/json/duplicate-property":                            hDuplicateAttribute,
	"compile/auto_auth/sinks-wrapper":                            hSinksWrapper,
	"compile/json/sinks-wrapper":                                 hSinksWrapper,
	"compile/auto_auth/sinks-wrapper-labelled":                   hSinksWrapper,
	"compile/auto_auth/sinks-wrapper-and-sink":                   hSinksWrapper,
	"compile/listener/role-bad":                                  hRole,
	"compile/listener/role-case":                                 hRole,
	"compile/merge/duplicate-listener-address":                   hDuplicateAddress,
	"validate/listener-address/default-address":                  hDuplicateAddress,
	"validate/listener-address/same-file":                        hDuplicateAddress,
	"validate/listener-address/same-address-spelled-differently": hDuplicateAddress,
	"validate/listener-address/wildcard-spellings":               hDuplicateAddress,
	"validate/listener-address/wildcard-and-specific":            hDuplicateAddress,
	"validate/listener-address/port-zero":                        hDuplicateAddress,
	// Vault Proxy finds these only when it starts: the api_proxy settings, the listeners (TLS files
	// and versions, a unix socket path), the auth method's and the file sink's settings, persist.
	"compile/api_proxy/enforce-consistency-bad":        hStartUp,
	"compile/api_proxy/when-inconsistent-bad":          hStartUp,
	"compile/api_proxy/when-inconsistent-case":         hStartUp,
	"compile/json/bad-value":                           hStartUp,
	"compile/listener/tls-version-bad":                 hStartUp,
	"validate/listener-tls-files/key-only":             hStartUp,
	"validate/listener-tls-files/no-cert":              hStartUp,
	"validate/listener-tls-settings/client-certs-both": hStartUp,
	"validate/listener-tls-settings/min-above-max":     hStartUp,
	"validate/listener-address/unix-without-path":      hStartUp,
	"validate/listener-address/port-out-of-range":      hStartUp,
	"validate/listener-address/not-host-port":          hStartUp,
	"validate/backoff-order/min-above-default-max":     hStartUp,
	"validate/backoff-order/min-above-max":             hStartUp,
	"compile/method/approle-missing-config":            hStartUp,
	"compile/method/aws-missing-type":                  hStartUp,
	"compile/method/aws-empty-type":                    hStartUp,
	"compile/method/jwt-empty-role":                    hStartUp,
	"compile/method/kerberos-missing-config":           hStartUp,
	"compile/method/approle-missing-role-id":           hStartUp,
	"compile/method/config-string-for-bool":            hStartUp,
	"compile/method/jwt-missing-role":                  hStartUp,
	"compile/method/jwt-read-period-bad":               hStartUp,
	"compile/method/jwt-read-period-empty":             hStartUp,
	"compile/method/jwt-read-period-zero":              hStartUp,
	"compile/method/token-file-missing-path":           hStartUp,
	"compile/method/pcf-no-string-config":              hStartUp,
	"compile/sink/missing-config":                      hStartUp,
	"compile/sink/missing-path":                        hStartUp,
	"compile/sink/mode-bad-string":                     hStartUp,
	"compile/sink/owner-string":                        hStartUp,
	"compile/sink/mode-string":                         hStartUp,
	"compile/sink/unsupported-type":                    hStartUp,
	"compile/persist/missing-path":                     hStartUp,
	"validate/persist-path/empty":                      hStartUp,
	"validate/persist-path/blank":                      hCannotWork,
	"compile/persist/unsupported-type":                 hStartUp,
	"compile/listener/conflicting-type":                hConflictingType,
	"compile/method/conflicting-type":                  hConflictingType,
	"compile/proxy_api/duplicate-block":                hDuplicateBlock,
	"compile/json/syntax-error":                        hStrictJSON,
	"compile/vault/interpolation":                      hInterpolation,
	"compile/syntax/template-arithmetic":               hInterpolation,
	"compile/syntax/template-string":                   hInterpolation,
	"compile/syntax/template-if":                       hInterpolation,
	"compile/syntax/template-for":                      hInterpolation,
	"compile/syntax/template-heredoc":                  hInterpolation,
	"compile/cache/duration-negative":                  hCannotWork,
	"compile/sink/mode-decimal":                        hCannotWork,
	"compile/sink/path-empty":                          hCannotWork,
	"compile/vault/address-number":                     hCannotWork,
	"validate/hazards/bad-address":                     hCannotWork,
	"validate/hazards/address-template":                hCannotWork,
	"validate/hazards/address-bad-port":                hCannotWork,
	"validate/hazards/unix-socket-without-path":        hCannotWork,
	"validate/hazards/unix-socket-upper-case":          hCannotWork,
	"validate/hazards/http-without-host":               hCannotWork,
	"validate/sink-dh/aad-env-var-without-type":        hCannotWork,

	// The auth methods' keys: an unknown one, or one their constructors refuse when Vault Proxy starts.
	"compile/method/alicloud-unknown-key":       hUnknown,
	"compile/method/aws-unknown-key-sibling":    hUnknown,
	"compile/method/aws-unknown-key-typo":       hUnknown,
	"compile/method/azure-unknown-key":          hUnknown,
	"compile/method/cf-unknown-key":             hUnknown,
	"compile/method/gcp-region-sibling":         hUnknown,
	"compile/method/gcp-region-typo-sibling":    hUnknown,
	"compile/method/gcp-unknown-key":            hUnknown,
	"compile/method/kerberos-unknown-key":       hUnknown,
	"compile/method/ldap-role-sibling":          hUnknown,
	"compile/method/ldap-unknown-key":           hUnknown,
	"compile/method/oci-unknown-key":            hUnknown,
	"compile/method/alicloud-expiration-string": hStartUp,
	"compile/method/alicloud-missing-region":    hStartUp,
	"compile/method/aws-bad-type":               hStartUp,
	"compile/method/aws-poll-interval-string":   hStartUp,
	"compile/method/aws-poll-interval-zero":     hStartUp,
	"compile/method/aws-region-number":          hStartUp,
	"compile/method/aws-role-number":            hStartUp,
	"compile/method/cert-client-cert-number":    hStartUp,
	"compile/method/kerberos-username-number":   hStartUp,
	"compile/method/azure-empty-resource":       hStartUp,
	"compile/method/azure-missing-resource":     hStartUp,
	"compile/method/cf-missing-role":            hStartUp,
	"compile/method/cert-reload-string":         hStartUp,

	// cert.go parses reload_period, and starts its ticker, only with reload and a certificate of
	// its own (NewCertAuthMethod), after -test-verify-only has returned.
	"compile/method/cert-reload-period-bad-with-reload":  hStartUp,
	"compile/method/cert-reload-period-bad-with-ca-cert": hStartUp,
	"compile/method/cert-reload-period-zero-with-reload": hStartUp,
	"compile/method/cert-reload-period-reload-invalid":   hStartUp,

	"compile/method/gcp-bad-type":               hStartUp,
	"compile/method/gcp-jwt-exp-float":          hStartUp,
	"compile/method/gcp-jwt-exp-hex":            hStartUp,
	"compile/method/gcp-jwt-exp-underscore":     hStartUp,
	"compile/method/gcp-missing-role":           hStartUp,
	"compile/method/kerberos-bad-bool":          hStartUp,
	"compile/method/kerberos-missing-realm":     hStartUp,
	"compile/method/ldap-missing-password-file": hStartUp,
	"compile/method/ldap-read-period-zero":      hStartUp,
	"compile/method/oci-bad-type":               hStartUp,
	"compile/method/oci-missing-type":           hStartUp,
	"compile/method/oci-poll-interval-zero":     hStartUp,
	"validate/azure-identity/both":              hStartUp,
	// A template HCL 1 reads as literal text, which hcl/v2 would evaluate.
	"compile/syntax/hcl1-template-stays-error": hInterpolation,
	// Vault Proxy's -test-verify-only does not look at a persist block's type or keys; its start fails.
	"validate/persist-key/missing":    hPersistFile,
	"validate/persist-key/token-file": hPersistFile,
	"validate/persist-key/misplaced":  hPersistFile,
}

// The headings of docs/differences.md that the table cites.
const (
	hUnknown            = "Unknown blocks and attributes are errors"
	hDuplicateAttribute = "Duplicate attributes are errors"
	hStartUp            = "Start-up checks run at validate time"
	hSocketMode         = "socket_mode is an octal string and applies on its own"
	hRole               = "An unknown listener role is an error"
	hSinksWrapper       = "The sinks wrapper is refused where it loses a setting"
	hDuplicateAddress   = "Duplicate listener addresses are errors"
	hConflictingType    = "A block's label and its type attribute must agree"
	hDuplicateBlock     = "Duplicate blocks are errors"
	hStrictJSON         = "JSON is read strictly"
	hInterpolation      = "Interpolation is an error"
	hCannotWork         = "Settings that cannot take effect are errors"
	hPersistFile        = `persist "file"`
)

// diffInput is one configuration fed to both tools: a name (the key of deliberate) and its files, in
// merge order.
type diffInput struct {
	name  string
	paths []string
}

// diffInputs writes every configuration to compare into dir: the README's examples, and every golden case of fixtures/ (the shared cases, the compiler's and the validate rules') that does
// not need an environment (Vault runs with an empty one).
func diffInputs(t *testing.T, dir string) []diffInput {
	t.Helper()
	var inputs []diffInput
	for _, group := range []string{"examples"} {
		entries, err := fs.ReadDir(fixtures.FS(), group)
		if err != nil || len(entries) == 0 {
			t.Fatalf("no configuration under fixtures/%s: %v", group, err)
		}
		for _, e := range entries {
			name := path.Join(group, e.Name())
			b, err := fs.ReadFile(fixtures.FS(), name)
			if err != nil {
				t.Fatal(err)
			}
			writeFiles(t, dir, map[string]string{name: string(b)})
			inputs = append(inputs, diffInput{name, []string{filepath.Join(dir, filepath.FromSlash(name))}})
		}
	}
	for _, group := range []string{"cases", "compile", "validate"} {
		for _, c := range fixtures.Load(t, group) {
			if len(c.Env) > 0 {
				continue
			}
			in := diffInput{name: c.Name}
			for _, f := range c.Files {
				name := path.Join(c.Name, f.Name)
				writeFiles(t, dir, map[string]string{name: string(f.Data)})
				in.paths = append(in.paths, filepath.Join(dir, filepath.FromSlash(name)))
			}
			inputs = append(inputs, in)
		}
	}
	return inputs
}

// TestVaultDifferential feeds the same configurations to the real Vault Proxy 1.21.0 (`vault proxy
// -test-verify-only`, through internal/vaulttest) and to `vaultproxy validate`:
//
//   - every configuration Vault Proxy rejects, vaultproxy rejects;
//   - every configuration Vault Proxy accepts, vaultproxy accepts, or rejects on purpose: it is in
//     deliberate, whose heading docs/differences.md must have;
//   - every entry of deliberate is still a difference (a stale entry fails).
//
// The vault binary comes from scripts/build-vault.sh; without it the test is skipped, except in CI.
func TestVaultDifferential(t *testing.T) {
	vaulttest.Binary(t)
	headings := differenceHeadings(t)
	dir := t.TempDir()
	seen := map[string]bool{}
	for _, in := range diffInputs(t, dir) {
		seen[in.name] = true
		t.Run(in.name, func(t *testing.T) {
			t.Parallel()
			compareWithVault(t, in, deliberate, headings)
		})
	}
	for name := range deliberate {
		if !seen[name] {
			t.Errorf("deliberate names %s, which is not a fixture fed to both tools", name)
		}
	}
}

// compareWithVault feeds in to `vault proxy -test-verify-only` and to `vaultproxy validate`: a
// configuration Vault Proxy rejects must be rejected, one it accepts accepted unless table records
// the difference with a heading of docs/differences.md, and an entry of table must still be one.
func compareWithVault(t *testing.T, in diffInput, table map[string]string, headings map[string]bool) {
	t.Helper()
	vaultOK, vaultOut := vaulttest.VerifyProxyConfig(t, in.paths...)
	l := loadFrom(in.paths, strings.NewReader(""), nil, mapEnv(nil))
	ours := !l.diags.HasErrors()
	heading, isDeliberate := table[in.name]
	switch {
	case !vaultOK && ours:
		t.Errorf("Vault Proxy rejects this configuration and vaultproxy accepts it. Vault Proxy said:\n%s", lastLines(vaultOut, 3))
	case vaultOK && !ours && !isDeliberate:
		t.Errorf("Vault Proxy accepts this configuration and vaultproxy rejects it, and no deliberate difference is recorded for it:\n%s\n"+
			"Fix the compiler, or record it with the heading of docs/differences.md that explains it.", errorLines(l.diags))
	case isDeliberate && !(vaultOK && !ours):
		t.Errorf("a deliberate difference is recorded (%q), but there is none: Vault Proxy accepts it: %v, vaultproxy accepts it: %v. Remove the entry.",
			heading, vaultOK, ours)
	}
	if isDeliberate && !headings[heading] {
		t.Errorf("docs/differences.md has no heading %q, which explains why vaultproxy rejects this configuration", heading)
	}
}

var diffHeadingLine = regexp.MustCompile(`(?m)^#{2,} +(.+?) *$`)

// differenceHeadings returns the section headings of docs/differences.md.
func differenceHeadings(t *testing.T) map[string]bool {
	t.Helper()
	dir, err := fixtures.Dir()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "..", "docs", "differences.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range diffHeadingLine.FindAllStringSubmatch(string(b), -1) {
		out[m[1]] = true
	}
	return out
}

func errorLines(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			b.WriteString("  " + d.Error() + "\n")
		}
	}
	return b.String()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
