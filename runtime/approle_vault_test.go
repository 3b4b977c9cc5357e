package runtime

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/vault/api"
)

// approleFiles mounts approle with root's client, creates the role "app" with role's settings, and
// writes its role ID and a new secret ID into files in dir, whose paths it returns (the approle
// method's role_id_file_path and secret_id_file_path).
func approleFiles(t *testing.T, root *api.Client, dir string, role map[string]any) (roleIDFile, secretIDFile string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(root.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"}))
	_, err := root.Logical().Write("auth/approle/role/app", role)
	must(err)
	rid, err := root.Logical().Read("auth/approle/role/app/role-id")
	must(err)
	sid, err := root.Logical().Write("auth/approle/role/app/secret-id", nil)
	must(err)
	roleIDFile, secretIDFile = filepath.Join(dir, "role-id"), filepath.Join(dir, "secret-id")
	must(os.WriteFile(roleIDFile, []byte(rid.Data["role_id"].(string)), 0o600))
	must(os.WriteFile(secretIDFile, []byte(sid.Data["secret_id"].(string)), 0o600))
	return roleIDFile, secretIDFile
}
