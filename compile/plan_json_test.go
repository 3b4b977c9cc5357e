package compile_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/fixtures"
	"github.com/vaultproxy/vaultproxy/validate"
)

// planGoldens returns the want/plan.json section of every golden case of `vaultproxy plan`
// (fixtures/plan, written by cmd/vaultproxy's tests), by case name.
func planGoldens(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, c := range fixtures.Load(t, "plan") {
		if doc, ok := c.Want("plan.json"); ok {
			out[strings.TrimPrefix(c.Name, "plan/")] = doc
		}
	}
	return out
}

// TestPlanJSONRoundTrip decodes every golden plan and encodes it again: the bytes must not change.
func TestPlanJSONRoundTrip(t *testing.T) {
	for name, doc := range planGoldens(t) {
		t.Run(name, func(t *testing.T) {
			p, err := compile.DecodePlanJSON(doc)
			if err != nil {
				t.Fatal(err)
			}
			again, err := p.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(string(bytes.TrimSuffix(doc, []byte("\n"))), string(again)); d != "" {
				t.Errorf("re-encoded plan differs (-golden +re-encoded):\n%s", d)
			}
			// The cross-block rules see a decoded plan as they saw the compiled one: the golden cases
			// are valid, so no error.
			if diags := validate.Plan(p); diags.HasErrors() {
				t.Errorf("validate reports errors on the decoded plan: %v", diags)
			}
		})
	}
}

func TestDecodePlanJSONVersions(t *testing.T) {
	doc := planGoldens(t)["token-true"]
	if doc == nil {
		t.Fatal("no golden token-true")
	}
	withVersion := func(v string) []byte {
		return bytes.Replace(doc, []byte(`"format_version": "`+compile.PlanFormatVersion+`"`), []byte(`"format_version": "`+v+`"`), 1)
	}

	_, err := compile.DecodePlanJSON(withVersion("2.0"))
	if err == nil || err.Error() != "plan.json:2,21-26: Unsupported plan format; plan file format_version 2.0 is not supported: this vaultproxy reads format 1.x (it writes 1.3). Write the plan again with this vaultproxy's plan -out, or use the vaultproxy that wrote it." {
		t.Errorf("format_version 2.0: got error %v", err)
	}
	// Only "1.N" is read: every other form is refused, none is read as 1.0 and written back as "1.0".
	for v, want := range map[string]string{
		"0.9": "Unsupported plan format", "10.0": "Unsupported plan format", "2.1": "Unsupported plan format",
		"": "Invalid format_version", "one": "Invalid format_version", "1": "Invalid format_version",
		"1.x": "Invalid format_version", "1.0.0": "Invalid format_version", "01.0": "Invalid format_version",
		"1.00": "Invalid format_version", "1.01": "Invalid format_version", " 1.0": "Invalid format_version",
		"1.0 ": "Invalid format_version", "1.-1": "Invalid format_version", "v1.0": "Invalid format_version",
	} {
		_, err := compile.DecodePlanJSON(withVersion(v))
		if err == nil || !strings.Contains(err.Error(), "plan.json:2,21-") || !strings.Contains(err.Error(), want) {
			t.Errorf("format_version %q: got %v, want %s at the version", v, err, want)
		}
	}
	if _, err := compile.DecodePlanJSON(bytes.Replace(doc, []byte(`"format_version": "`+compile.PlanFormatVersion+`"`), []byte(`"format_version": 1.1`), 1)); err == nil ||
		!strings.Contains(err.Error(), "Invalid format_version") {
		t.Errorf("format_version as a number: got %v", err)
	}
	// A field this version does not know, in a document that says it is of this version, is refused:
	// writing the plan again would drop it.
	for _, tc := range []struct{ from, to, want string }{
		{`"vault": {`, `"vault": {"new_field": true,`, `plan.json:4,13-24: Unknown plan field; The object vault has no field "new_field" in plan format 1.3`},
		{`"files": [`, `"filez": [], "files": [`, `plan.json:3,3-10: Unknown plan field; The plan file has no field "filez" in plan format 1.3, which this file declares; writing the plan again would drop it. Did you mean "files"?`},
		{`"origin": "default"}`, `"origin": "default", "note": "new"}`, `Unknown plan field; The setting vault.ca_cert has no field "note"`},
		{`"kind": "bool", "value": true,`, `"kind": "bool", "value": true, "extra": 1,`, `Unknown plan field; The config key auto_auth.method.config.remove_secret_id_file_after_reading has no field "extra"`},
	} {
		bad := bytes.Replace(doc, []byte(tc.from), []byte(tc.to), 1)
		if bytes.Equal(bad, doc) {
			t.Fatalf("the golden has no %s", tc.from)
		}
		_, diags := compile.DecodePlanFile("plan.json", bad)
		if len(diags) != 1 || !strings.Contains(diags[0].Error(), tc.want) {
			t.Errorf("%s: got %v, want one error containing %q", tc.to, diags, tc.want)
		}
	}

	// A later minor version may add fields anywhere; this reader ignores them.
	later := withVersion("1.7")
	later = bytes.Replace(later, []byte(`"vault": {`), []byte(`"new_block": {"x": [1, 2]}, "vault": {"new_field": true,`), 1)
	later = bytes.Replace(later, []byte(`"origin": "default"}`), []byte(`"origin": "default", "note": "new"}`), 1)
	p, err := compile.DecodePlanJSON(later)
	if err != nil {
		t.Fatalf("format_version 1.7 with unknown fields: %v", err)
	}
	again, _ := p.MarshalJSON()
	if !bytes.Equal(again, bytes.TrimSuffix(doc, []byte("\n"))) {
		t.Errorf("a 1.7 document read as %s does not encode as the %s document", compile.PlanFormatVersion, compile.PlanFormatVersion)
	}

	if _, err := compile.DecodePlanJSON([]byte(`{"files": []}`)); err == nil || !strings.Contains(err.Error(), "no format_version") {
		t.Errorf("a document without format_version: got %v", err)
	}
	if _, err := compile.DecodePlanJSON([]byte(`vault {}`)); err == nil {
		t.Errorf("an HCL file was accepted as a plan")
	}
}

// TestDecodePlanFileChecksValues edits golden plans by hand and checks that each bad value is an error
// diagnostic at its line and column in the plan file, as the same value in a configuration would be.
func TestDecodePlanFileChecksValues(t *testing.T) {
	goldens := planGoldens(t)
	for _, tc := range []struct{ golden, from, to, want string }{
		{"listener-tcp-tls", `"tls_min_version": {"value": "tls13"`, `"tls_min_version": {"value": "tls99"`,
			`plan.json:35,36-43: Unsupported value for tls_min_version; "tls99" is not a valid value for tls_min_version. Allowed values are "tls10", "tls11", "tls12" and "tls13". Did you mean "tls10"?`},
		{"listener-tcp-tls", `"tls_cipher_suites": {"value": []`, `"tls_cipher_suites": {"value": ["NOPE"]`,
			`plan.json:37,39-45: Unsupported cipher suite; "NOPE" is not a TLS cipher suite that Go knows (see crypto/tls).`},
		{"listener-tcp-tls", `"tls_cipher_suites": {"value": ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"`, `"tls_cipher_suites": {"value": ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA257"`,
			`plan.json:59,39-80: Unsupported cipher suite; "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA257" is not a TLS cipher suite`},
		{"listener-unix", `"socket_mode": {"value": "0660"`, `"socket_mode": {"value": "rw"`,
			`plan.json:41,32-36: Invalid value for socket_mode; socket_mode must be an octal string of permission bits such as "0660"; "rw" is not.`},
		{"listener-unix", `"role": {"value": "default"`, `"role": {"value": "admin"`,
			`plan.json:29,25-32: Unsupported value for role; "admin" is not a valid value for role. Allowed values are "default" and "metrics_only".`},
		{"token-true", `"enforce_consistency": {"value": "never"`, `"enforce_consistency": {"value": ""`,
			`plan.json:20,38-40: Unsupported value for enforce_consistency; "" is not a valid value for enforce_consistency.`},
		{"listener-unix", `"log_rotate_duration": {"value": "24h"`, `"log_rotate_duration": {"value": "a day"`,
			`plan.json:80,36-43: Invalid duration for log_rotate_duration; log_rotate_duration must be a duration such as "30s", "5m" or "1h30m": "a day" is not a duration.`},
		{"listener-unix", `"log_rotate_duration": {"value": "24h"`, `"log_rotate_duration": {"value": "86400"`,
			`plan.json:80,36-43: Non-canonical plan value; Did you mean "24h"? vaultproxy writes this value of log_rotate_duration in that form only`},
		{"listener-unix", `"log_level": {"value": "info"`, `"log_level": {"value": "INFO"`,
			`Non-canonical plan value; Did you mean "info"? vaultproxy writes this value of log_level in that form only`},
		{"listener-unix", `"address": {"value": "https://vault.example.test:8200", "origin": "config.hcl:2,3-46"}`, `"address": {"value": "https://vault.example.test:8200", "origin": "somewhere"}`,
			`plan.json:6,71-82: Invalid origin; "somewhere" is not an origin`},
		{"listener-unix", `"tls_disable": {"value": true`, `"tls_disable": {"value": "yes"`,
			`plan.json:32,32-37: Incorrect value type; The value of tls_disable must be a boolean, not a string.`},
		{"listener-unix", `"tls_cipher_suites": {"value": []`, `"tls_cipher_suites": {"value": {}`,
			`plan.json:37,38-40: Incorrect value type; The value of tls_cipher_suites must be an array, not an object.`},
		{"listener-unix", `"disable_idle_connections": {"value": []`, `"disable_idle_connections": {"value": ["caching"]`,
			`plan.json:75,41-52: Non-canonical plan value; Did you mean ["proxying"]? vaultproxy writes this value of disable_idle_connections in that form only`},
		{"listener-unix", `"disable_idle_connections": {"value": []`, `"disable_idle_connections": {"value": ["proxying", "auto-auth"]`,
			`Non-canonical plan value; Did you mean ["auto-auth", "proxying"]? vaultproxy writes this value of disable_idle_connections in that form only`},
		{"token-true", `"num_retries": {"value": 12`, `"num_retries": {"value": -5`,
			`Non-canonical plan value; Did you mean 0? vaultproxy writes this value of num_retries in that form only`},
		{"token-true", `"mount_path": {"value": "auth/approle"`, `"mount_path": {"value": "auth/approle/"`,
			`Non-canonical plan value; Did you mean "auth/approle"? vaultproxy writes this value of mount_path in that form only`},
		{"listener-unix", `"tls_disable": {"value": true, `, `"tls_disable": {`,
			`plan.json:32,22-53: Missing plan field; The setting listeners[0].tls_disable must have a value and an origin.`},
	} {
		doc := goldens[tc.golden]
		bad := bytes.Replace(doc, []byte(tc.from), []byte(tc.to), 1)
		if bytes.Equal(bad, doc) {
			t.Fatalf("the golden %s has no %s", tc.golden, tc.from)
		}
		_, diags := compile.DecodePlanFile("plan.json", bad)
		if len(diags) != 1 || diags[0].Severity != hcl.DiagError || !strings.Contains(diags[0].Error(), tc.want) {
			t.Errorf("%s: got %v, want one error containing %q", tc.to, diags, tc.want)
		}
	}
}

// TestPlanFilesOfFormat1_0 reads plan files written by `vaultproxy plan -out` before the codec was
// derived from the schema (testdata/plan-1.0, copied from the goldens of that time): they must load,
// and write the same document again, in the current format: format_version and the fields added
// since 1.0 (addedSince1_0, unset) aside, the same JSON.
func TestPlanFilesOfFormat1_0(t *testing.T) {
	names, _ := filepath.Glob("testdata/plan-1.0/*.json")
	if len(names) == 0 {
		t.Fatal("no plan under testdata/plan-1.0")
	}
	for _, n := range names {
		doc, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		p, diags := compile.DecodePlanFile(n, doc)
		if diags.HasErrors() {
			t.Errorf("%s: %v", n, diags)
			continue
		}
		again, _ := p.MarshalJSON()
		var old, now map[string]any
		if err := json.Unmarshal(doc, &old); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(again, &now); err != nil {
			t.Fatal(err)
		}
		if now["format_version"] != compile.PlanFormatVersion {
			t.Errorf("%s re-encodes as format_version %v", n, now["format_version"])
		}
		now["format_version"] = "1.0"
		for _, path := range addedSince1_0 {
			last := path[len(path)-1]
			eachObject(now, now, path[:len(path)-1], func(_, obj map[string]any) {
				if m, _ := obj[last].(map[string]any); m == nil || m["origin"] != "default" {
					t.Errorf("%s: %v is %v, want the default", n, path, obj[last])
				}
				delete(obj, last)
			})
		}
		if d := cmp.Diff(old, now); d != "" {
			t.Errorf("%s re-encodes differently (-file +re-encoded):\n%s", n, d)
		}
	}
}

// addedSince1_0 are the plan fields added after format 1.0, which a 1.0 file lacks.
var addedSince1_0 = [][]string{
	{"cache", "persist", "key_file"},      // 1.1
	{"cache", "serve_stale_for"},          // 1.1
	{"listeners", "max_request_size"},     // 1.2
	{"listeners", "max_request_duration"}, // 1.2
}

// eachObject calls fn with the objects at keys in file and written, two documents of the same shape,
// in step: an array on the way is walked element by element. A key absent from written ends the walk;
// fo is nil where file lacks it.
func eachObject(file, written map[string]any, keys []string, fn func(fo, wo map[string]any)) {
	if written == nil {
		return
	}
	if len(keys) == 0 {
		fn(file, written)
		return
	}
	fv, wv := file[keys[0]], written[keys[0]]
	if wa, ok := wv.([]any); ok {
		fa, _ := fv.([]any)
		for i, we := range wa {
			var fe map[string]any
			if i < len(fa) {
				fe, _ = fa[i].(map[string]any)
			}
			wm, _ := we.(map[string]any)
			eachObject(fe, wm, keys[1:], fn)
		}
		return
	}
	fm, _ := fv.(map[string]any)
	wm, _ := wv.(map[string]any)
	eachObject(fm, wm, keys[1:], fn)
}

// dropAddedFields removes from written (a decoded plan document) the fields of addedSince1_0 that
// file (the document it was read from) lacks, and its format_version when file's differs: what
// re-encoding an older plan file adds.
func dropAddedFields(file, written any) {
	f, _ := file.(map[string]any)
	w, _ := written.(map[string]any)
	if f == nil || w == nil {
		return
	}
	if f["format_version"] != w["format_version"] {
		w["format_version"] = f["format_version"]
	}
	for _, path := range addedSince1_0 {
		last := path[len(path)-1]
		eachObject(f, w, path[:len(path)-1], func(fo, wo map[string]any) {
			if _, has := fo[last]; fo == nil || !has {
				delete(wo, last)
			}
		})
	}
}

// The fields added in 1.1 are optional in a 1.0 file only: a 1.1 file without them is refused.
func TestAddedFieldRequiredFromItsVersion(t *testing.T) {
	doc, err := os.ReadFile("testdata/plan-1.0/cache-static-persist.json")
	if err != nil {
		t.Fatal(err)
	}
	doc = bytes.Replace(doc, []byte(`"format_version": "1.0"`), []byte(`"format_version": "1.1"`), 1)
	_, diags := compile.DecodePlanFile("p.json", doc)
	var missing []string
	for _, d := range diags {
		missing = append(missing, d.Detail)
	}
	want := []string{`The object cache has no "serve_stale_for".`, `The object cache.persist has no "key_file".`}
	if d := cmp.Diff(want, missing); d != "" {
		t.Fatalf("a 1.1 plan without the 1.1 fields (-want +got):\n%s", d)
	}
}

// TestParseOrigin reads every form Origin.String writes, and refuses every other: a plan file's origin
// must read back as the string it was read from.
func TestParseOrigin(t *testing.T) {
	for _, s := range []string{
		"default",
		"proxy.hcl:4,3-30",
		"proxy.hcl:3,1-7,2",
		"proxy.hcl:2,5-5",
		"<stdin>:1,1-5",
		`C:\etc\vproxy\proxy.hcl:12,3-40`,
		"dir/with:colon.hcl:2,1-2",
		"env VAULT_ADDR",
		"env my aad",
		"flag -address",
		"flag -tls-skip-verify",
	} {
		o, err := compile.ParseOrigin(s)
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if o.String() != s {
			t.Errorf("%q reads back as %q", s, o.String())
		}
	}
	o, _ := compile.ParseOrigin("proxy.hcl:3,1-7,2")
	want := hcl.Range{Filename: "proxy.hcl", Start: hcl.Pos{Line: 3, Column: 1}, End: hcl.Pos{Line: 7, Column: 2}}
	if o.Kind() != compile.OriginConfig || o.Range() != want {
		t.Errorf("proxy.hcl:3,1-7,2 reads as %v %#v", o.Kind(), o.Range())
	}
	for s, why := range map[string]string{
		"":                                   "not an origin (default",
		"config":                             "not an origin (default",
		"Default":                            "not an origin (default",
		" default":                           "not an origin (default",
		"env":                                "not an origin (default",
		"env ":                               "env is followed by",
		"envVAULT_ADDR":                      "not an origin (default",
		"flag address":                       "flag is followed by",
		"flag --address":                     "flag is followed by",
		"flag -":                             "flag is followed by",
		"flag -Address":                      "flag is followed by",
		"proxy.hcl":                          "not an origin (default",
		"proxy.hcl:x,1-2":                    "not an origin (default",
		":5,3-46":                            "not an origin (default",
		"proxy.hcl:05,3-46":                  "not an origin (default",
		"proxy.hcl:5,03-46":                  "not an origin (default",
		"proxy.hcl:0,1-2":                    "not an origin (default",
		"proxy.hcl:5,0-2":                    "not an origin (default",
		"proxy.hcl:5,3-46 ":                  "not an origin (default",
		"proxy.hcl:5,3--46":                  "not an origin (default",
		"proxy.hcl:5,30-4":                   "ends before it starts",
		"proxy.hcl:5,3-5,46":                 "a range on one line is written proxy.hcl:5,3-46",
		"proxy.hcl:5,3-4,46":                 "ends before it starts",
		"proxy.hcl:5,30-5,4":                 "ends before it starts",
		"proxy.hcl:99999999999999999999,1-2": "out of range",
	} {
		_, err := compile.ParseOrigin(s)
		if err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("%q: got %v, want an error saying %q", s, err, why)
		}
	}
}

// TestPlanJSONHoldsNoSecret checks that secrets are written as "(sensitive)" and read back empty, with
// their origins.
func TestPlanJSONHoldsNoSecret(t *testing.T) {
	src := compile.Source{Name: "proxy.hcl", Bytes: []byte(`
auto_auth {
  method "aws" {
    config = {
      type       = "iam"
      role       = "app"
      secret_key = "s3cr3t-key"
    }
  }
  sink "file" {
    dh_type = "curve25519"
    dh_path = "/etc/peer.pub"
    aad     = "s3cr3t-aad"
    config = {
      path = "/run/token"
    }
  }
  sink "file" {
    dh_type     = "curve25519"
    dh_path     = "/etc/peer.pub"
    aad_env_var = "MY_AAD"
    config = {
      path = "/run/token-2"
    }
  }
}
`)}
	env := func(k string) (string, bool) {
		if k == "MY_AAD" {
			return "s3cr3t-env", true
		}
		return "", false
	}
	p, diags := compile.Compile([]compile.Source{src}, compile.Options{Env: env})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	doc, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(doc, []byte("s3cr3t")) {
		t.Fatalf("the plan holds a secret:\n%s", doc)
	}
	if n := bytes.Count(doc, []byte(`"(sensitive)"`)); n != 3 {
		t.Errorf("%d values are redacted, want 3:\n%s", n, doc)
	}
	d, err := compile.DecodePlanJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := d.AutoAuth()
	sinks := a.Sinks()
	if got := sinks[0].AAD(); got.Get() != "" || got.Origin().String() != "proxy.hcl:13,5-27" {
		t.Errorf("decoded literal aad = %q from %s", got.Get(), got.Origin())
	}
	if got := sinks[1].AAD(); got.Get() != "" || got.Origin().String() != "env MY_AAD" {
		t.Errorf("decoded env aad = %q from %s", got.Get(), got.Origin())
	}
	if got := a.Method().Config().String("secret_key"); got.Get() != "" || !got.IsSet() {
		t.Errorf("decoded secret_key = %q, set %v", got.Get(), got.IsSet())
	}
	if got := a.Method().Config().String("role"); got.Get() != "app" {
		t.Errorf("decoded role = %q", got.Get())
	}
}

// TestPlanJSONIsCanonical compiles the same configuration twice and checks the documents are equal
// and valid JSON with format_version first.
func TestPlanJSONIsCanonical(t *testing.T) {
	p1, _ := compile.Compile([]compile.Source{{Name: "a.hcl", Bytes: []byte(maximalConfig)}}, compile.Options{})
	p2, _ := compile.Compile([]compile.Source{{Name: "a.hcl", Bytes: []byte(maximalConfig)}}, compile.Options{})
	d1, err1 := p1.MarshalJSON()
	d2, err2 := p2.MarshalJSON()
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if !bytes.Equal(d1, d2) {
		t.Error("two compilations of one configuration give different plans")
	}
	if !json.Valid(d1) || !bytes.HasPrefix(d1, []byte("{\n  \"format_version\": \""+compile.PlanFormatVersion+"\",\n")) {
		t.Errorf("not a plan document:\n%s", d1)
	}
	var std bytes.Buffer
	if err := json.Indent(&std, d1, "", "  "); err != nil {
		t.Fatal(err)
	}
	var compact1, compact2 bytes.Buffer
	_ = json.Compact(&compact1, d1)
	_ = json.Compact(&compact2, std.Bytes())
	if !bytes.Equal(compact1.Bytes(), compact2.Bytes()) {
		t.Error("the layout changes the document")
	}
}

// TestDecodePlanFileChecksMethodConfigKeys: a method's config keys in a plan file are checked as in a
// configuration: an unknown key is an error with "Did you mean", a missing required one too.
func TestDecodePlanFileChecksMethodConfigKeys(t *testing.T) {
	doc := planGoldens(t)["token-true"]
	for _, tc := range []struct {
		from, to string
		want     []string
	}{
		{`"role_id_file_path": {`, `"role_id_file_pathh": {`, []string{
			`Missing required argument; The approle method requires the config key "role_id_file_path"`,
			`plan.json:65,9-29: Unsupported argument; An argument named "role_id_file_pathh" is not expected here. Did you mean "role_id_file_path"?`}},
		{`"secret_id_file_path": {`, `"nosuch_key": {`, []string{
			`Unsupported argument; An argument named "nosuch_key" is not expected here.`}},
	} {
		bad := bytes.Replace(doc, []byte(tc.from), []byte(tc.to), 1)
		if bytes.Equal(bad, doc) {
			t.Fatalf("the golden has no %s", tc.from)
		}
		_, diags := compile.DecodePlanFile("plan.json", bad)
		if len(diags) != len(tc.want) {
			t.Fatalf("%s: got %v, want %d errors", tc.to, diags, len(tc.want))
		}
		for i, want := range tc.want {
			if diags[i].Severity != hcl.DiagError || !strings.Contains(diags[i].Error(), want) {
				t.Errorf("%s: error %d is %v, want one containing %q", tc.to, i, diags[i], want)
			}
		}
	}
}

// TestCompiledPlansReadBack writes the plan of every golden configuration that compiles without error
// (with its environment and flags), as `plan -out` does, even where validate's rules refuse it, and
// reads it back: a plan file this vaultproxy writes must pass every check of the plan-file reader, and
// write the same bytes again.
func TestCompiledPlansReadBack(t *testing.T) {
	for _, dir := range []string{"cases", "compile", "validate", "plan"} {
		for _, c := range fixtures.Load(t, dir) {
			srcs := make([]compile.Source, 0, len(c.Files))
			for _, f := range c.Files {
				srcs = append(srcs, compile.Source{Name: f.Name, Bytes: f.Data})
			}
			flags := map[string]string{}
			for _, f := range c.Flags {
				name, value, _ := strings.Cut(strings.TrimLeft(f, "-"), "=")
				flags[name] = value
			}
			p, diags := compile.Compile(srcs, compile.Options{Env: c.LookupEnv, Flags: flags})
			if diags.HasErrors() {
				continue
			}
			doc, err := p.MarshalJSON()
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			back, diags := compile.DecodePlanFile("plan.json", doc)
			if diags.HasErrors() {
				t.Errorf("%s: the plan does not read back: %v\n%s", c.Name, diags, doc)
				continue
			}
			if again, _ := back.MarshalJSON(); !bytes.Equal(again, doc) {
				t.Errorf("%s: the plan read back writes different bytes", c.Name)
			}
		}
	}
}
