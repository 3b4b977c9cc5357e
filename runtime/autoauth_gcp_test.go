package runtime

import (
	"strings"
	"testing"
)

// TestAuthConfigGCPCredentials: a gcp method's credentials reach autoauth from the configuration's
// files; from a plan file, which never holds them, a method that had them is refused rather than
// left to find other credentials in the environment, and one without them runs.
func TestAuthConfigGCPCredentials(t *testing.T) {
	for _, c := range []struct {
		name, creds string
		planFile    bool
		want        string // the credentials autoauth gets, or the refusal
		refused     bool
	}{
		{name: "credentials", creds: `credentials = "{\"client_email\": \"a@b\"}"`, want: `{"client_email": "a@b"}`},
		{name: "written empty", creds: `credentials = ""`, want: ""},
		{name: "none", want: ""},
		{name: "none from a plan file", planFile: true, want: ""},
		{name: "credentials from a plan file", creds: `credentials = "{\"client_email\": \"a@b\"}"`, planFile: true, refused: true,
			want: "its credentials are not in the plan file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := planFrom(t, `
vault { address = "http://127.0.0.1:8200" }
auto_auth {
  method "gcp" {
    config = {
      type = "iam"
      role = "app"
      `+c.creds+`
    }
  }
  sink "file" {
    config = { path = "/run/token" }
  }
}`, "")
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
			if cfg.Method != "gcp" || cfg.Strings["credentials"] != c.want || cfg.Strings["service_account"] != "default" || cfg.Ints["jwt_exp"] != 15 {
				t.Errorf("config %+v", cfg)
			}
		})
	}
}

// TestAuthConfigGCPServiceAccountEmpty: service_account = "" reaches autoauth as "", from the files
// and from a plan file, since Vault Proxy's gcp method then signs for the credentials' client_email;
// unwritten, it is "default".
func TestAuthConfigGCPServiceAccountEmpty(t *testing.T) {
	for _, c := range []struct {
		line, want string
	}{{`service_account = ""`, ""}, {"", "default"}, {`service_account = "sa@p.iam.gserviceaccount.com"`, "sa@p.iam.gserviceaccount.com"}} {
		for _, planFile := range []bool{false, true} {
			p := planFrom(t, `
vault { address = "http://127.0.0.1:8200" }
auto_auth {
  method "gcp" {
    config = {
      type = "iam"
      role = "app"
      `+c.line+`
    }
  }
  sink "file" {
    config = { path = "/run/token" }
  }
}`, "")
			if planFile {
				p = viaPlanFile(t, p)
			}
			cfg, _, err := authConfig(p)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := cfg.Strings["service_account"]; !ok || got != c.want {
				t.Errorf("%q (plan file %v): service_account %q, want %q", c.line, planFile, got, c.want)
			}
		}
	}
}
