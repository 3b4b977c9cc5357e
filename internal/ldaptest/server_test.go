package ldaptest

import (
	"os/exec"
	"strings"
	"testing"
)

// whoami binds as user with password through ldapwhoami and returns its answer.
func whoami(t *testing.T, s *Server, user, password string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("ldapwhoami")
	if err != nil {
		t.Skip("ldapwhoami not found (Debian package ldap-utils)")
	}
	out, err := exec.Command(bin, "-x", "-H", s.URL(), "-D", "uid="+user+","+UsersDN, "-w", password).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// A user's password binds, a wrong one does not, and SetPassword replaces it.
func TestStartBindsUsers(t *testing.T) {
	s := Start(t, map[string]string{"alice": "first-pass", "bob": "bob-pass"})
	if out, err := whoami(t, s, "alice", "first-pass"); err != nil || out != "dn:uid=alice,"+UsersDN {
		t.Fatalf("alice's bind: %v: %s", err, out)
	}
	if out, err := whoami(t, s, "alice", "wrong"); err == nil || !strings.Contains(out, "Invalid credentials") {
		t.Errorf("a wrong password bound: %v: %s", err, out)
	}
	s.SetPassword(t, "alice", "second-pass")
	if out, err := whoami(t, s, "alice", "first-pass"); err == nil {
		t.Errorf("the old password still binds: %s", out)
	}
	if out, err := whoami(t, s, "alice", "second-pass"); err != nil {
		t.Errorf("the new password does not bind: %v: %s", err, out)
	}
	if out, err := whoami(t, s, "bob", "bob-pass"); err != nil {
		t.Errorf("bob's bind: %v: %s", err, out)
	}
}
