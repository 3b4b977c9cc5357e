package plandiff

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultproxy/vaultproxy/compile"
)

func mustPlan(t *testing.T, name, src string) *compile.Plan {
	t.Helper()
	p, diags := compile.Compile([]compile.Source{{Name: name, Bytes: []byte(src)}}, compile.Options{Env: func(string) (string, bool) { return "", false }})
	if diags.HasErrors() {
		t.Fatalf("%s: %v", name, diags)
	}
	return p
}

const authOld = `
vault {
  address = "http://127.0.0.1:8200"
}
auto_auth {
  method "approle" {
    config = {
      role_id_file_path = "/etc/vault/role-id"
    }
  }
  sink "file" {
    config = {
      path = "/tmp/token"
    }
  }
}
`

const authNew = `
vault {
  address = "http://127.0.0.1:8200"
}
auto_auth {
  method "approle" {
    config = {
      role_id_file_path   = "/etc/vault/role-id"
      secret_id_file_path = "/etc/vault/secret-id"
    }
  }
  sink "file" {
    config = {
      path = "/tmp/token"
    }
  }
  sink "file" {
    config = {
      path = "/tmp/token2"
    }
  }
}
`

const noAuth = `
vault {
  address = "http://127.0.0.1:8200"
}
`

// TestCompare checks what is reported, and what is not: a method config key written on one side,
// a sink by position, and a removed block listed once without the blocks and settings in it.
func TestCompare(t *testing.T) {
	str := func(s string) json.RawMessage { b, _ := json.Marshal(s); return b }
	for _, c := range []struct {
		name          string
		old, new      string
		blocks        []BlockChange
		settingBlocks []string // block.name of each changed setting
	}{
		{"same", authOld, authOld, []BlockChange{}, nil},
		{"config key and sink added", authOld, authNew,
			[]BlockChange{{Block: "auto_auth.sinks[1]", Change: "added", Origin: "new.hcl:17,3-14"}},
			[]string{"auto_auth.method.config.secret_id_file_path"}},
		{"auto_auth removed", authOld, noAuth,
			[]BlockChange{{Block: "auto_auth", Change: "removed", Origin: "old.hcl:5,1-10"}}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := Compare(mustPlan(t, "old.hcl", c.old), mustPlan(t, "new.hcl", c.new))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.blocks, d.Blocks); diff != "" {
				t.Errorf("blocks (-want +got):\n%s", diff)
			}
			var got []string
			for _, s := range d.Settings {
				got = append(got, s.Block+"."+s.Name)
			}
			if diff := cmp.Diff(c.settingBlocks, got); diff != "" {
				t.Errorf("settings (-want +got):\n%s", diff)
			}
			if c.name == "config key and sink added" {
				s := d.Settings[0]
				// The schema details approle's keys: the old plan has it, unset.
				want := SettingChange{Block: "auto_auth.method.config", Name: "secret_id_file_path",
					Old: &Setting{Value: str(""), Origin: "default"}, New: &Setting{Value: str("/etc/vault/secret-id"), Origin: "new.hcl:9,7-51"}}
				if diff := cmp.Diff(want, s); diff != "" {
					t.Errorf("secret_id_file_path (-want +got):\n%s", diff)
				}
			}
			if d.Empty() != (c.name == "same") {
				t.Errorf("Empty() = %v", d.Empty())
			}
		})
	}
}
