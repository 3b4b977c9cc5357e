package preview_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/preview"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/fixtures"
)

type golden struct{ preview, plan string }

// goldens reads the want sections of fixtures/plan (written and checked by cmd/vaultproxy's tests).
func goldens(t *testing.T) map[string]golden {
	t.Helper()
	out := map[string]golden{}
	for _, c := range fixtures.Load(t, "plan") {
		preview, _ := c.Want("preview.txt")
		plan, _ := c.Want("plan.json")
		out[strings.TrimPrefix(c.Name, "plan/")] = golden{preview: string(preview), plan: string(plan)}
	}
	return out
}

// refusedFromPlanFile lists the goldens whose plan file run refuses, though it runs their
// configuration: a secret written in the configuration that the plan file does not hold
// (compile.RunRefusals).
var refusedFromPlanFile = map[string]string{
	"sinks-encrypted": "sink 1 (/run/vproxy/token-1): its aad is not in the plan file",
	"method-gcp-iam":  `auto_auth method "gcp": its credentials are not in the plan file`,
	"method-aws":      `auto_auth method "aws": its secret_key is not in the plan file`,
	"method-alicloud": `auto_auth method "alicloud": its access_secret is not in the plan file`,
}

// TestPreviewOfPlanFile renders each golden JSON plan after decoding it: the preview must be the one
// the configuration gave (the golden's text after its diagnostics), so the plan file holds everything
// the preview shows; but for the plans of refusedFromPlanFile, whose preview first says that run
// refuses the plan file, and why.
func TestPreviewOfPlanFile(t *testing.T) {
	for name, g := range goldens(t) {
		t.Run(name, func(t *testing.T) {
			p, err := compile.DecodePlanJSON([]byte(g.plan))
			if err != nil {
				t.Fatal(err)
			}
			got := previewText(p)
			i := strings.Index(g.preview, "Configuration: ")
			if i < 0 {
				t.Fatal("the golden preview has no Configuration line")
			}
			const head = "vaultproxy run refuses this configuration:\n"
			refused := compile.RunRefusals(p)
			if want, ok := refusedFromPlanFile[name]; ok != (len(refused) > 0) || ok && !strings.HasPrefix(refused[0], want) {
				t.Fatalf("RunRefusals of the plan file = %q, want one starting %q", refused, want)
			}
			if len(refused) > 0 {
				start := strings.Index(got, head)
				end := strings.Index(got, "\nVault ")
				if start < 0 || end < start {
					t.Fatalf("the preview does not say run refuses the plan file:\n%s", got)
				}
				got = got[:start] + got[end+1:]
			}
			if d := cmp.Diff(g.preview[i:], got); d != "" {
				t.Errorf("preview of the decoded plan (-golden +got):\n%s", d)
			}
		})
	}
}

// TestPreviewWidth checks that no preview line is wider than 80 columns, unless it ends in one value
// too long to fit (a long path), which is never broken.
func TestPreviewWidth(t *testing.T) {
	for name, g := range goldens(t) {
		i := strings.Index(g.preview, "Configuration: ")
		for _, line := range strings.Split(g.preview[i:], "\n") {
			if len(line) <= preview.Width {
				continue
			}
			fields := strings.Fields(line)
			if last := fields[len(fields)-1]; len(last) < 40 {
				t.Errorf("%s: line of %d columns: %q", name, len(line), line)
			}
		}
	}
}

// TestPreviewNeverPrintsSecrets compiles a configuration with an aad and a secret method key.
func TestPreviewNeverPrintsSecrets(t *testing.T) {
	src := compile.Source{Name: "p.hcl", Bytes: []byte(`
auto_auth {
  method "aws" {
    config = {
      type          = "iam"
      role          = "app"
      secret_key    = "s3cr3t-key"
      session_token = "s3cr3t-session"
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
}
`)}
	p, diags := compile.Compile([]compile.Source{src}, compile.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	text := previewText(p)
	if strings.Contains(text, "s3cr3t") {
		t.Fatalf("the preview prints a secret:\n%s", text)
	}
	for _, want := range []string{"secret_key              (sensitive)", "session_token           (sensitive)", "aad                     (sensitive)", "role                    app"} {
		if !strings.Contains(text, want) {
			t.Errorf("the preview lacks %q:\n%s", want, text)
		}
	}
}

// previewText returns the preview of p.
func previewText(p *compile.Plan) string {
	var b strings.Builder
	_ = preview.Write(&b, p)
	return b.String()
}
