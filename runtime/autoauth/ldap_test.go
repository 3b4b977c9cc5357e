package autoauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// ingest reads the password file as Vault Proxy's ldap method does (ldap.go, ingressPass): the bytes
// as they are, the last password kept when the file is absent, empty or not a file, and the file
// (or the symlink's target) removed when told to.
func TestLDAPIngest(t *testing.T) {
	type result struct {
		pass              string
		fileLeft, tgtLeft bool
	}
	tests := []struct {
		name                   string
		content                *string // nil: no file
		symlink, dir           bool
		remove, followSymlinks bool
		want                   result
	}{
		{name: "trailing newline is part of the password", content: ptr("pw\n"), remove: true, want: result{pass: "pw\n"}},
		{name: "kept when not removing", content: ptr("pw"), want: result{pass: "pw", fileLeft: true}},
		{name: "absent keeps the last", want: result{pass: "last"}},
		{name: "empty keeps the last, and is removed", content: ptr(""), remove: true, want: result{pass: "last"}},
		{name: "a directory keeps the last", dir: true, remove: true, want: result{pass: "last", fileLeft: true}},
		{name: "symlink: the link is removed", content: ptr("via-link"), symlink: true, remove: true,
			want: result{pass: "via-link", tgtLeft: true}},
		{name: "symlink: follow removes the target", content: ptr("via-link"), symlink: true, remove: true, followSymlinks: true,
			want: result{pass: "via-link", fileLeft: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := t.TempDir()
			path, target := filepath.Join(d, "password"), filepath.Join(d, "target")
			switch {
			case tt.dir:
				if err := os.Mkdir(path, 0o700); err != nil {
					t.Fatal(err)
				}
			case tt.content != nil && tt.symlink:
				file(t, d, "target", *tt.content)
				if err := os.Symlink(target, path); err != nil {
					t.Fatal(err)
				}
			case tt.content != nil:
				file(t, d, "password", *tt.content)
			}
			m := newLDAP("auth/ldap", "alice", path, tt.remove, tt.followSymlinks, time.Second, testLog)
			m.latest = "last"
			got := result{pass: m.ingest()}
			_, err := os.Lstat(path)
			got.fileLeft = err == nil
			_, err = os.Lstat(target)
			got.tgtLeft = err == nil
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func ptr(s string) *string { return &s }

// The method logs in at <mount>/login/<username> with the password; the file is watched only after
// a login succeeded (as Vault's credSuccessGate has it), then a changed password is signalled.
func TestLDAPLoginAndNewCredentials(t *testing.T) {
	fv := &fakeVault{}
	srv := httptest.NewServer(http.HandlerFunc(fv.handler))
	defer srv.Close()
	d := t.TempDir()
	path := filepath.Join(d, "password")
	m := newLDAP("auth/ldap-corp", "alice", path, true, false, 20*time.Millisecond, testLog)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := m.newCredentials(ctx)

	file(t, d, "password", "early")
	time.Sleep(100 * time.Millisecond)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the watcher read the file before any login succeeded: %v", err)
	}
	select {
	case <-ch:
		t.Fatal("new credentials signalled before any login")
	default:
	}

	c, err := newAPIClient(srv.URL, srv.Client(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.login(ctx, c); err != nil {
		t.Fatal(err)
	}
	fv.mu.Lock()
	p, body := fv.paths[0], fv.logins[0]
	fv.mu.Unlock()
	if p != "/v1/auth/ldap-corp/login/alice" || body["password"] != "early" || len(body) != 1 {
		t.Errorf("login at %s with %v", p, body)
	}

	file(t, d, "password", "later")
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("a new password file was not signalled")
	}
	if got := m.ingest(); got != "later" {
		t.Errorf("password in use %q, want later", got)
	}
}

// Without any password read, the login fails before reaching Vault.
func TestLDAPLoginWithoutPassword(t *testing.T) {
	fv := &fakeVault{}
	srv := httptest.NewServer(http.HandlerFunc(fv.handler))
	defer srv.Close()
	m := newLDAP("auth/ldap", "alice", filepath.Join(t.TempDir(), "absent"), true, false, time.Second, testLog)
	c, err := newAPIClient(srv.URL, srv.Client(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.login(context.Background(), c); err == nil || fv.loginCount() != 0 {
		t.Errorf("login without a password: err %v, %d logins reached Vault", err, fv.loginCount())
	}
}

// Without enable_reauth_on_new_credentials the password file is still watched once a login has
// succeeded, as in Vault Proxy: a new file is read and removed within password_read_period, and the
// next login uses it, but it does not log in by itself.
func TestLDAPWatchWithoutReauth(t *testing.T) {
	fv := &fakeVault{}
	srv := httptest.NewServer(http.HandlerFunc(fv.handler))
	defer srv.Close()
	d := t.TempDir()
	path := file(t, d, "password", "first")
	m, _ := startManager(t, Config{Method: "ldap", MountPath: "auth/ldap",
		Strings:   map[string]string{"username": "alice", "password_file_path": path},
		Bools:     map[string]bool{"remove_password_after_reading": true},
		Durations: map[string]time.Duration{"password_read_period": 20 * time.Millisecond}}, srv)
	waitToken(t, m)
	file(t, d, "password", "second")
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the new password file was not read and removed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if n := fv.loginCount(); n != 1 {
		t.Errorf("%d logins; a new password must not log in without enable_reauth_on_new_credentials", n)
	}
	lm := m.method.(*ldapMethod)
	if got := lm.ingest(); got != "second" {
		t.Errorf("password for the next login %q, want second", got)
	}
}
