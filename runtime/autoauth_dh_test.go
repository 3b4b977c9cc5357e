package runtime

import (
	"strings"
	"testing"

	"github.com/vaultproxy/vaultproxy/compile"
)

// dhSinkConfig is a token_file method with one DH sink whose aad lines are aad.
func dhSinkConfig(aad string) string {
	return `
auto_auth {
  method "token_file" {
    config = { token_file_path = "/tmp/t" }
  }
  sink "file" {
    dh_type    = "curve25519"
    dh_path    = "/etc/peer.json"
    derive_key = true
    ` + aad + `
    config = { path = "/run/token" }
  }
}`
}

// viaPlanFile encodes p as a plan file and decodes it, as `vaultproxy run plan.json` reads it.
func viaPlanFile(t *testing.T, p *compile.Plan) *compile.Plan {
	t.Helper()
	b, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	q, diags := compile.DecodePlanFile("plan.json", b)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return q
}

// TestAuthConfigDHSink: the sink's DH settings reach autoauth, and its aad comes from the
// configuration, or from aad_env_var, read again when the plan comes from a plan file, which never
// holds the aad; an aad written in the configuration cannot run from a plan file.
func TestAuthConfigDHSink(t *testing.T) {
	t.Setenv("VP_TEST_AAD", "from-env")
	for _, c := range []struct {
		name, aad string
		planFile  bool
		want      string // the sink's AAD, or the refusal
		refused   bool
	}{
		{name: "aad", aad: `aad = "written"`, want: "written"},
		{name: "aad_env_var", aad: `aad_env_var = "VP_TEST_AAD"`, want: "from-env"},
		{name: "aad_env_var from a plan file", aad: `aad_env_var = "VP_TEST_AAD"`, planFile: true, want: "from-env"},
		{name: "no aad from a plan file", planFile: true, want: ""},
		{name: "aad from a plan file", aad: `aad = "written"`, planFile: true, refused: true, want: "its aad is not in the plan file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := planFrom(t, dhSinkConfig(c.aad), "")
			if c.planFile {
				p = viaPlanFile(t, p)
			}
			cfg, _, err := authConfig(p)
			if c.refused {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("authConfig: %v, want a refusal containing %q", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s := cfg.Sinks[0]
			if s.DHType != "curve25519" || s.DHPath != "/etc/peer.json" || !s.DeriveKey || s.AAD != c.want {
				t.Errorf("sink %+v, want curve25519, /etc/peer.json, derive_key and aad %q", s, c.want)
			}
		})
	}
}
