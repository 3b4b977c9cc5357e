package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// corpusDirs are the directories of Vault's own source whose test fixtures TestVaultCorpus feeds to
// both tools: Vault Proxy's configurations, and Vault Agent's, which share its parser
// (command/agentproxyshared) and are what people copy when they move from Agent to Proxy.
var corpusDirs = []string{
	"command/proxy/config/test-fixtures",
	"command/agent/config/test-fixtures",
}

// corpusDeliberate is deliberate for TestVaultCorpus: the fixtures of Vault's source (named
// "<dir>/<entry>") that Vault Proxy 1.21 accepts (`vault proxy -test-verify-only` loads and checks
// a configuration, it does not start auth methods or open listeners) and vaultproxy rejects on
// purpose, with the heading of docs/differences.md that says why.
var corpusDeliberate = map[string]string{
	// An aws method without its type (Vault's aws constructor refuses it at start: "missing 'type'
	// value"); with it, in some, a listener address that cannot be bound (IPv6 without brackets) or
	// socket_mode = "configmode".
	"command/agent/config/bad-config-api_proxy-cache.hcl":                      hStartUp,
	"command/agent/config/bad-config-cache-auto_auth-method-wrapping.hcl":      hStartUp,
	"command/agent/config/config-api_proxy-auto_auth-all-api_proxy-config.hcl": hStartUp,
	"command/agent/config/config-cache-auto_auth-false.hcl":                    hStartUp,
	"command/agent/config/config-cache-embedded-type.hcl":                      hStartUp,
	"command/agent/config/config-cache.hcl":                                    hStartUp,
	"command/agent/config/config-dir-auto-auth-and-listener":                   hStartUp,
	"command/agent/config/config-dir-cache":                                    hStartUp,
	"command/agent/config/config-dir-vault-block":                              hStartUp,
	"command/agent/config/config-disable-idle-connections-auto-auth.hcl":       hStartUp,
	"command/agent/config/config-disable-idle-connections-caching.hcl":         hStartUp,
	"command/agent/config/config-disable-idle-connections-empty.hcl":           hStartUp,
	"command/agent/config/config-disable-idle-connections-proxying.hcl":        hStartUp,
	"command/agent/config/config-disable-keep-alives-auto-auth.hcl":            hStartUp,
	"command/agent/config/config-disable-keep-alives-caching.hcl":              hStartUp,
	"command/agent/config/config-disable-keep-alives-empty.hcl":                hStartUp,
	"command/agent/config/config-disable-keep-alives-proxying.hcl":             hStartUp,
	"command/agent/config/config-method-exit-on-err.hcl":                       hStartUp,
	"command/agent/config/config-method-initial-backoff.hcl":                   hStartUp,
	"command/agent/config/config-method-wrapping.hcl":                          hStartUp,
	"command/agent/config/config-template-full.hcl":                            hStartUp,
	"command/agent/config/config-template-many.hcl":                            hStartUp,
	"command/agent/config/config-template-min.hcl":                             hStartUp,
	"command/agent/config/config-vault-retry-empty.hcl":                        hStartUp,
	"command/agent/config/config-vault-retry.hcl":                              hStartUp,
	"command/proxy/config/config-auto-auth-aws.hcl":                            hStartUp,
	"command/proxy/config/config-auto-auth-gcp.hcl":                            hStartUp,
	"command/proxy/config/config-cache-embedded-type.hcl":                      hStartUp,
	"command/proxy/config/config-cache-static-secret-cache.hcl":                hStartUp,
	"command/proxy/config/config-cache.hcl":                                    hStartUp,
	// socket_mode = "configmode", which fails only once the socket is made; IPv6 addresses as above.
	"command/proxy/config/config-auto-auth-azure.hcl": hSocketMode,
}

// TestVaultCorpus is TestVaultDifferential over every configuration in Vault's own test fixtures,
// read from the module cache (vaulttest.SourceDir), not copied: each file, and each directory as
// one configuration (Vault merges a directory's files).
func TestVaultCorpus(t *testing.T) {
	vaulttest.Binary(t)
	src := vaulttest.SourceDir(t)
	headings := differenceHeadings(t)
	seen := map[string]bool{}
	for _, dir := range corpusDirs {
		entries, err := os.ReadDir(filepath.Join(src, filepath.FromSlash(dir)))
		if err != nil || len(entries) == 0 {
			t.Fatalf("no fixtures in Vault's %s: %v", dir, err)
		}
		for _, e := range entries {
			name := strings.TrimSuffix(dir, "/test-fixtures") + "/" + e.Name()
			if !e.IsDir() && !strings.HasSuffix(e.Name(), ".hcl") && !strings.HasSuffix(e.Name(), ".json") {
				continue
			}
			seen[name] = true
			in := diffInput{name: name, paths: []string{filepath.Join(src, filepath.FromSlash(dir), e.Name())}}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				compareWithVault(t, in, corpusDeliberate, headings)
			})
		}
	}
	for name := range corpusDeliberate {
		if !seen[name] {
			t.Errorf("corpusDeliberate names %s, which is not a fixture of Vault's source", name)
		}
	}
}
