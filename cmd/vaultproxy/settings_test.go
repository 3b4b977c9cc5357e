package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/schema"
)

// TestEverySettingReachesThePlan walks the schema: for every attribute that the plan holds, it writes a
// configuration that sets the attribute to a value other than its default, and checks the value
// arrives, with the attribute's range as its origin, in `plan -json`, back through a plan file (`plan
// -out`, then `plan -json` of that file gives the same document), and in the preview of `plan`.
func TestEverySettingReachesThePlan(t *testing.T) {
	t.Chdir(t.TempDir())
	settings := compile.PlanSettings()
	inPlan := map[*schema.Attribute]bool{}
	for _, s := range settings {
		inPlan[s.Attr] = true
	}
	// Every attribute that has an effect is in the plan, or is a key of a method's config (which the
	// plan holds by name), or is a telemetry setting that vaultproxy run does not use.
	walkSchema(schema.Root, nil, func(path []string, a *schema.Attribute) {
		switch {
		case inPlan[a], a.Ignored != "", a.Kind == schema.Any, len(path) > 0 && path[len(path)-1] == "config":
		case len(path) == 1 && path[0] == "telemetry":
		default:
			t.Errorf("%s %s: not in the plan", strings.Join(path, "."), a.Name)
		}
	})

	for _, s := range settings {
		blocks := declaredIn(schema.Root, s.Attr, nil)
		if blocks == nil {
			continue // a setting the plan derives (proxy_namespace, login_namespace): not written
		}
		t.Run(strings.Join(s.Path, "."), func(t *testing.T) {
			cfg := newSettingConfig()
			if s.Attr == schema.PersistKeyFile {
				cfg.labels["persist"] = `"file"` // key_file belongs to persist "file" (rule persist-key)
			}
			written, want := nonDefault(s.Attr)
			if blk := blocks[len(blocks)-1]; blk.LabelAttr && s.Attr.Name == blk.Label {
				written = "" // the block label, already written: listener "tcp", method "approle"...
				want = cfg.labels[blk.Type]
			} else {
				cfg.set(blocks, s.Attr.Name, written)
			}
			if err := os.WriteFile("p.hcl", []byte(cfg.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			doc, errOut, code := runCLI([]string{"plan", "-json", "p.hcl"}, nil)
			if code != exitOK {
				t.Fatalf("plan -json: exit %d\n%s\n%s", code, errOut, cfg)
			}
			got, origin := settingAt(t, doc, s.Path)
			if !jsonEqual(got, want) || !strings.HasPrefix(origin, "p.hcl:") {
				t.Errorf("plan -json: %s is %s from %s, want %s from p.hcl\n%s", s.Attr.Name, got, origin, want, cfg)
			}

			if _, errOut, code := runCLI([]string{"plan", "-out=plan.json", "p.hcl"}, nil); code != exitOK {
				t.Fatalf("plan -out: exit %d\n%s", code, errOut)
			}
			again, errOut, code := runCLI([]string{"plan", "-json", "plan.json"}, nil)
			if code != exitOK || again != doc {
				t.Errorf("plan -json plan.json: exit %d, %s; the document differs from the configuration's", code, errOut)
			}

			preview, _, code := runCLI([]string{"plan", "-no-color", "p.hcl"}, nil)
			name := s.Attr.Name
			if written == "" {
				name = "" // a label is shown in its block's title
			}
			if code != exitOK || !previewShows(preview, name, display(s.Attr, want)) {
				t.Errorf("plan: the preview shows no %s row with %q from p.hcl:\n%s", s.Attr.Name, display(s.Attr, want), preview)
			}
		})
	}
}

// walkSchema calls f for every attribute under b, with the block types that lead to it.
func walkSchema(b *schema.Block, path []string, f func([]string, *schema.Attribute)) {
	if b.Ignored != "" || b.Rejected != "" {
		return // accepted with a warning, and without effect
	}
	for _, a := range b.Attributes {
		f(path, a)
	}
	for _, nb := range b.Blocks {
		walkSchema(nb, append(slices.Clone(path), nb.Type), f)
	}
}

// declaredIn returns the blocks from the top level down to the one that declares a, or nil.
func declaredIn(b *schema.Block, a *schema.Attribute, path []*schema.Block) []*schema.Block {
	if slices.Contains(b.Attributes, a) {
		return append(slices.Clone(path), b)
	}
	for _, nb := range b.Blocks {
		if found := declaredIn(nb, a, append(slices.Clone(path), b)); found != nil {
			return found
		}
	}
	for _, nbs := range b.ByLabel {
		for _, nb := range nbs {
			if found := declaredIn(nb, a, append(slices.Clone(path), b)); found != nil {
				return found
			}
		}
	}
	return nil
}

// settingConfig is a configuration with every block the plan holds, each with what it requires.
type settingConfig struct {
	// lines of each block, by the block types from the top level ("listener/proxy_api").
	lines  map[string][]string
	labels map[string]string // the label of each labelled block, as its JSON value
}

func newSettingConfig() *settingConfig {
	return &settingConfig{
		lines: map[string][]string{
			"vault": nil, "vault/retry": nil, "api_proxy": nil,
			"listener":           {`address = "127.0.0.1:8111"`, `tls_cert_file = "/tmp/c.pem"`, `tls_key_file = "/tmp/k.pem"`},
			"listener/proxy_api": nil,
			"cache":              nil, "cache/persist": {`path = "/tmp/cache"`},
			"auto_auth": nil, "auto_auth/method": nil, "auto_auth/method/config": {`role_id_file_path = "/tmp/role"`},
			"auto_auth/sink": nil, "auto_auth/sink/config": {`path = "/tmp/token"`},
			"telemetry": nil,
		},
		labels: map[string]string{"listener": `"tcp"`, "persist": `"kubernetes"`, "method": `"approle"`, "sink": `"file"`},
	}
}

// set writes name = value in the block, replacing a line of the same name; settings that need a
// companion to be valid get it.
func (c *settingConfig) set(blocks []*schema.Block, name, value string) {
	var types []string
	for _, b := range blocks[1:] {
		types = append(types, b.Type)
	}
	key := strings.Join(types, "/")
	if strings.HasPrefix(name, "socket_") {
		// A unix socket's settings: a unix listener.
		c.labels["listener"] = `"unix"`
		c.lines["listener"] = []string{`address = "/tmp/p.sock"`, `tls_disable = true`}
	}
	kept := slices.DeleteFunc(slices.Clone(c.lines[key]), func(l string) bool { return strings.HasPrefix(l, name+" ") })
	c.lines[key] = append(kept, name+" = "+value)
	for _, companion := range companions[key+"/"+name] {
		c.lines[key] = append(c.lines[key], companion)
	}
}

// companions are what a setting needs beside it for the configuration to be valid.
var companions = map[string][]string{
	"vault/client_cert":                                     {`client_key = "/tmp/client.key"`},
	"vault/client_key":                                      {`client_cert = "/tmp/client.pem"`},
	"listener/tls_require_and_verify_client_cert":           {`tls_client_ca_file = "/tmp/ca.pem"`},
	"auto_auth/sink/dh_type":                                {`dh_path = "/tmp/peer.pub"`},
	"/log_rotate_duration":                                  {`log_file = "/tmp/p.log"`},
	"/log_rotate_bytes":                                     {`log_file = "/tmp/p.log"`},
	"/log_rotate_max_files":                                 {`log_file = "/tmp/p.log"`},
	"cache/disable_caching_dynamic_secrets":                 {`cache_static_secrets = true`},
	"cache/static_secret_token_capability_refresh_interval": {`cache_static_secrets = true`},
	"cache/static_secret_token_capability_refresh_behavior": {`cache_static_secrets = true`},
	"auto_auth/sink/dh_path":                                {`dh_type = "curve25519"`},
	"auto_auth/sink/derive_key":                             {`dh_type = "curve25519"`, `dh_path = "/tmp/peer.pub"`},
	"auto_auth/sink/aad":                                    {`dh_type = "curve25519"`, `dh_path = "/tmp/peer.pub"`},
	"auto_auth/sink/aad_env_var":                            {`dh_type = "curve25519"`, `dh_path = "/tmp/peer.pub"`},
}

func (c *settingConfig) String() string {
	var b strings.Builder
	for _, l := range c.lines[""] {
		fmt.Fprintf(&b, "%s\n", l)
	}
	var write func(prefix string, depth int)
	write = func(prefix string, depth int) {
		for _, typ := range []string{"vault", "retry", "api_proxy", "listener", "proxy_api", "cache", "persist", "auto_auth", "method", "sink", "config", "telemetry"} {
			key := strings.TrimPrefix(prefix+"/"+typ, "/")
			lines, ok := c.lines[key]
			if !ok {
				continue
			}
			indent := strings.Repeat("  ", depth)
			label := ""
			if l := c.labels[typ]; l != "" {
				label = " " + l
			}
			open := typ + label + " {"
			if typ == "config" {
				open = "config = {"
			}
			fmt.Fprintf(&b, "%s%s\n", indent, open)
			for _, l := range lines {
				fmt.Fprintf(&b, "%s  %s\n", indent, l)
			}
			write(key, depth+1)
			fmt.Fprintf(&b, "%s}\n", indent)
		}
	}
	write("", 0)
	return b.String()
}

// nonDefault returns a value of a's kind other than its default, as written in HCL and as the JSON
// plan holds it.
func nonDefault(a *schema.Attribute) (written, want string) {
	if special, ok := specialValues[a]; ok {
		return special[0], special[1]
	}
	switch a.Kind {
	case schema.Bool:
		if a.Default == "true" {
			return "false", "false"
		}
		return "true", "true"
	case schema.Int:
		return "7", "7"
	case schema.Duration:
		return `"7s"`, `"7s"`
	case schema.StringList:
		return `["auto-auth"]`, `["auto-auth"]`
	case schema.OctalString:
		return `"0600"`, `"0600"`
	case schema.FileMode:
		return "0600", `"0600"`
	case schema.TokenMode:
		return `"force"`, `"force"`
	case schema.CipherSuites:
		return `"TLS_AES_128_GCM_SHA256"`, `["TLS_AES_128_GCM_SHA256"]`
	}
	for _, e := range a.Enum {
		if e != a.Default && e != "" {
			return strconv.Quote(e), strconv.Quote(e)
		}
	}
	v := strconv.Quote("/tmp/set-" + a.Name)
	return v, v
}

// specialValues are the settings whose value has a form of its own, or is normalised in the plan.
var specialValues = map[*schema.Attribute][2]string{
	schema.VaultAddress:          {`"https://vault.test:8200"`, `"https://vault.test:8200"`},
	schema.VaultNamespace:        {`"/team-1"`, `"team-1/"`},
	schema.MethodNamespace:       {`"/team-1"`, `"team-1/"`},
	schema.MethodMountPath:       {`"auth/custom/"`, `"auth/custom"`},
	schema.ListenerAddress:       {`"127.0.0.1:8112"`, `"127.0.0.1:8112"`},
	schema.MethodMinBackoff:      {`"2s"`, `"2s"`},
	schema.SinkAAD:               {`"secret-aad"`, `"(sensitive)"`},
	schema.SinkAADEnvVar:         {`"UNSET_AAD"`, `"UNSET_AAD"`},
	schema.LogLevel:              {`"DEBUG"`, `"debug"`},
	schema.ListenerTLSMaxVersion: {`"tls12"`, `"tls12"`},
}

// settingAt returns the value (as JSON) and the origin of the setting at path in a plan document.
func settingAt(t *testing.T, doc string, path []string) (json.RawMessage, string) {
	t.Helper()
	var node any
	if err := json.Unmarshal([]byte(doc), &node); err != nil {
		t.Fatal(err)
	}
	for _, k := range path {
		switch n := node.(type) {
		case map[string]any:
			node = n[k]
		case []any:
			i, _ := strconv.Atoi(k)
			node = n[i]
		}
	}
	s, _ := node.(map[string]any)
	v, _ := json.Marshal(s["value"])
	origin, _ := s["origin"].(string)
	return v, origin
}

func jsonEqual(got json.RawMessage, want string) bool {
	var a, b any
	return json.Unmarshal(got, &a) == nil && json.Unmarshal([]byte(want), &b) == nil && fmt.Sprint(a) == fmt.Sprint(b)
}

// display is how the preview shows a plan value: a string unquoted, a list by its first item.
func display(a *schema.Attribute, want string) string {
	var v any
	_ = json.Unmarshal([]byte(want), &v)
	if l, ok := v.([]any); ok && len(l) > 0 {
		v = l[0]
	}
	return fmt.Sprint(v)
}

// previewShows reports whether a row of the preview shows name with value, from p.hcl (the origin is
// on the row, or on the line below it when the row is long).
func previewShows(preview, name, value string) bool {
	row := regexp.MustCompile(`^\s*` + regexp.QuoteMeta(name) + `\s+` + regexp.QuoteMeta(value) + `(\s|:|,|$)`)
	if name == "" {
		row = regexp.MustCompile(`\b` + regexp.QuoteMeta(value) + `\b`)
	}
	lines := strings.Split(preview, "\n")
	for i, l := range lines {
		if row.MatchString(l) && (strings.Contains(l, "[p.hcl:") || i+1 < len(lines) && strings.Contains(lines[i+1], "[p.hcl:")) {
			return true
		}
	}
	return false
}
