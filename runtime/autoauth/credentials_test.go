package autoauth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestReadCredentials(t *testing.T) {
	dir := t.TempDir()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	certPEM, keyPEM := serverPEM(t, srv)
	cert, key := file(t, dir, "cert.pem", string(certPEM)), file(t, dir, "key.pem", string(keyPEM))
	tok, empty, garbage := file(t, dir, "token", "hvs.x\n"), file(t, dir, "empty", " \n"), file(t, dir, "garbage", "not PEM")
	missing := dir + "/missing"
	for _, tc := range []struct {
		name    string
		cfg     Config
		extra   []string
		files   []string // read
		wantErr string   // "" for none
	}{
		{"token_file", Config{Method: "token_file", Strings: map[string]string{"token_file_path": tok}}, nil, []string{tok}, ""},
		{"token_file empty", Config{Method: "token_file", Strings: map[string]string{"token_file_path": empty}}, nil, nil, "is empty"},
		{"token_file missing", Config{Method: "token_file", Strings: map[string]string{"token_file_path": missing}}, nil, nil, "no such file"},
		{"approle secret ID removed after reading", Config{Method: "approle", Strings: map[string]string{"role_id_file_path": tok, "secret_id_file_path": missing}}, nil, []string{tok}, ""},
		{"approle secret ID empty", Config{Method: "approle", Strings: map[string]string{"role_id_file_path": tok, "secret_id_file_path": empty}}, nil, []string{tok}, ""},
		{"cert own files", Config{Method: "cert", Strings: map[string]string{"ca_cert": cert, "client_cert": cert, "client_key": key}}, nil, []string{cert, key}, ""},
		{"cert CA not PEM", Config{Method: "cert", Strings: map[string]string{"ca_cert": garbage}}, nil, nil, "holds no PEM certificate"},
		{"cert key not matching", Config{Method: "cert", Strings: map[string]string{"client_cert": cert, "client_key": garbage}}, nil, []string{cert, garbage}, "client certificate"},
		{"cert with the vault block's files", Config{Method: "cert", Strings: map[string]string{}}, []string{cert, key}, []string{cert, key}, ""},
		{"jwt reads at login", Config{Method: "jwt", Strings: map[string]string{"path": missing}}, nil, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadCredentials(tc.cfg, tc.extra...)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("error %v, want %q", err, tc.wantErr)
			}
			if len(got) != len(tc.files) {
				t.Errorf("read %v, want %v", got, tc.files)
			}
			for _, f := range tc.files {
				if got[f] == "" {
					t.Errorf("%s not read: %v", f, got)
				}
			}
		})
	}
}

func TestCredentialsChanged(t *testing.T) {
	old := Credentials{"/a": "1", "/b": "2"}
	for _, tc := range []struct {
		next Credentials
		want bool
	}{
		{Credentials{"/a": "1", "/b": "2"}, false},
		{Credentials{"/a": "1"}, false}, // /b absent now (an optional file removed after reading)
		{Credentials{"/a": "1", "/b": "3"}, true},
		{Credentials{"/a": "1", "/c": "4"}, true},
	} {
		if got := old.Changed(tc.next); got != tc.want {
			t.Errorf("Changed(%v) = %v", tc.next, got)
		}
	}
	if m := old.Merge(Credentials{"/b": "3"}); m["/a"] != "1" || m["/b"] != "3" || old["/b"] != "2" {
		t.Errorf("Merge: %v (old %v)", m, old)
	}
}

// TestNewCredentialsKeepsTokenUntilLogin: with new credentials the manager logs in at once; while
// that login fails (again after each backoff) the current token stays in use; once it succeeds its
// token replaces the current one.
func TestNewCredentialsKeepsTokenUntilLogin(t *testing.T) {
	fv := &fakeVault{}
	srv := httptest.NewServer(http.HandlerFunc(fv.handler))
	defer srv.Close()
	dir := t.TempDir()
	role := file(t, dir, "role", "role-1")
	m, _ := startManager(t, Config{Method: "approle", MountPath: "auth/approle", Strings: map[string]string{"role_id_file_path": role}}, srv)
	if tok := waitToken(t, m); tok != "tok-1" {
		t.Fatalf("token %q", tok)
	}
	fv.mu.Lock()
	fv.fail = 1000
	fv.mu.Unlock()
	file(t, dir, "role", "role-2")
	m.NewCredentials()
	waitLogins(t, fv, 3) // the login and a retry failed
	if tok, ok := m.Current(); !ok || tok != "tok-1" {
		t.Errorf("while logins with new credentials fail: %q %v, want tok-1 kept", tok, ok)
	}
	fv.mu.Lock()
	fv.fail = 0
	fv.mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for tok, _ := m.Current(); tok != "tok-2"; tok, _ = m.Current() {
		if time.Now().After(deadline) {
			t.Fatalf("token %q once a login with new credentials succeeds, want tok-2", tok)
		}
		time.Sleep(10 * time.Millisecond)
	}
	fv.mu.Lock()
	defer fv.mu.Unlock()
	if last := fv.logins[len(fv.logins)-1]; last["role_id"] != "role-2" {
		t.Errorf("login body %v", last)
	}
}

func waitLogins(t *testing.T, fv *fakeVault, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		fv.mu.Lock()
		got := len(fv.logins)
		fv.mu.Unlock()
		if got >= n {
			// The answer is handled after the request is recorded.
			time.Sleep(50 * time.Millisecond)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d logins, want %d", got, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
