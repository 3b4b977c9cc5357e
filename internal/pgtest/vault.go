package pgtest

import (
	"strings"
	"testing"

	"github.com/hashicorp/vault/api"
)

// Role is a database secrets engine role: its credentials live TTL and at most MaxTTL (Vault
// durations such as "1h" or "3s").
type Role struct {
	Name        string
	TTL, MaxTTL string
}

// MountDatabaseEngine mounts Vault's database secrets engine at mount with a connection "pg" to s
// (postgresql-database-plugin, the superuser) and creates roles whose credentials are PostgreSQL
// login roles, so that `GET <mount>/creds/<role>` issues renewable leases. client needs the root
// policy. A Vault without the engine (a -tags minimal build) fails the test with that reason.
func (s *Server) MountDatabaseEngine(t testing.TB, client *api.Client, mount string, roles ...Role) {
	t.Helper()
	if err := client.Sys().Mount(mount, &api.MountInput{Type: "database"}); err != nil {
		if strings.Contains(err.Error(), "unknown") || strings.Contains(err.Error(), "plugin not found") {
			t.Fatalf("pgtest: this Vault has no database secrets engine (a -tags minimal build?); scripts/build-vault.sh builds the full one: %v", err)
		}
		t.Fatalf("pgtest: mounting the database engine: %v", err)
	}
	if _, err := client.Logical().Write(mount+"/config/pg", map[string]any{
		"plugin_name":    "postgresql-database-plugin",
		"connection_url": s.VaultConnectionURL(),
		"username":       Superuser,
		"password":       s.Password(),
		"allowed_roles":  "*",
	}); err != nil {
		t.Fatalf("pgtest: %s/config/pg: %v", mount, err)
	}
	for _, r := range roles {
		if _, err := client.Logical().Write(mount+"/roles/"+r.Name, map[string]any{
			"db_name":             "pg",
			"creation_statements": []string{`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`},
			"default_ttl":         r.TTL,
			"max_ttl":             r.MaxTTL,
		}); err != nil {
			t.Fatalf("pgtest: %s/roles/%s: %v", mount, r.Name, err)
		}
	}
}
