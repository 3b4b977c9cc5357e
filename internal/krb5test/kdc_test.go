package krb5test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jcmturner/goidentity/v6"
	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/spnego"
)

// login logs principal in with the keys in keytabPath through gokrb5, as the kerberos auto-auth
// method does.
func login(t *testing.T, k *KDC, principal, keytabPath string) (*client.Client, error) {
	t.Helper()
	kt, err := keytab.Load(keytabPath)
	if err != nil {
		t.Fatal(err)
	}
	conf, err := config.Load(k.Krb5Conf())
	if err != nil {
		t.Fatal(err)
	}
	cl := client.NewWithKeytab(principal, Realm, kt, conf, client.AssumePreAuthentication(true))
	return cl, cl.Login()
}

// A user logs in with its keytab, its SPNEGO token for HTTP/localhost passes a service holding that
// principal's keytab (decoding PACs, as Vault's does: the service's +no_auth_data_required keeps the
// KDC from adding one), and a keytab exported before the keys changed no longer logs in.
func TestStartIssuesTickets(t *testing.T) {
	k := Start(t, "alice", "+no_auth_data_required HTTP/localhost")
	aliceKT := k.Keytab(t, "alice")
	httpKT, err := keytab.Load(k.Keytab(t, "HTTP/localhost"))
	if err != nil {
		t.Fatal(err)
	}
	cl, err := login(t, k, "alice", aliceKT)
	if err != nil {
		t.Fatalf("alice's login: %v", err)
	}
	defer cl.Destroy()

	var user string
	h := spnego.SPNEGOKRB5Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := goidentity.FromHTTPRequestContext(r); id != nil {
			user = id.UserName() + "@" + id.Domain()
		}
	}), httpKT)
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	if err := spnego.SetSPNEGOHeader(cl, req, "HTTP/localhost"); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || user != "alice@"+Realm {
		t.Fatalf("the service refused alice's SPNEGO token: %d %q, user %q", rec.Code, rec.Body.String(), user)
	}

	// ktadd gave alice new keys: the first keytab is stale.
	k.Keytab(t, "alice")
	if _, err := login(t, k, "alice", aliceKT); err == nil || !strings.Contains(err.Error(), "KDC_ERR_PREAUTH_FAILED") {
		t.Errorf("a stale keytab: %v, want KDC_ERR_PREAUTH_FAILED", err)
	}
	if _, err := login(t, k, "bob", aliceKT); err == nil {
		t.Error("bob, who is not in the keytab nor the realm, logged in")
	}
}
