package cftest

import (
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// An issued certificate file holds the identity certificate, then the intermediate; the identity
// chains to the root and carries the identity in Cloud Foundry's layout.
func TestIssue(t *testing.T) {
	ca := NewCA(t)
	_, _, file := ca.Issue(t, t.TempDir(), Identity{Instance: "i-1", Org: "o", Space: "s", App: "a", IP: net.IPv4(127, 0, 0, 1)})
	var certs []*x509.Certificate
	for rest := []byte(file); ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		certs = append(certs, c)
	}
	if len(certs) != 2 || certs[0].IsCA || !certs[1].IsCA {
		t.Fatalf("%d certificates, want the identity then a CA", len(certs))
	}
	id := certs[0]
	ous := slices.Sorted(slices.Values(id.Subject.OrganizationalUnit))
	if id.Subject.CommonName != "i-1" || strings.Join(ous, ",") != "app:a,organization:o,space:s" ||
		len(id.IPAddresses) != 1 || !id.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)) {
		t.Errorf("identity %v %v", id.Subject, id.IPAddresses)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(ca.RootPEM))
	inter.AddCert(certs[1])
	if _, err := id.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("the identity does not chain to the root: %v", err)
	}
	if _, err := id.Verify(x509.VerifyOptions{Roots: x509.NewCertPool(), Intermediates: inter}); err == nil {
		t.Errorf("the identity verifies without the root")
	}
}

// The API stand-in gives a token only for the password grant of client cf with the right user,
// and answers the app, space and organization only with that token.
func TestAPI(t *testing.T) {
	a := &API{Username: "u", Password: "p", Org: "org", Space: "space", App: "app", OrgName: "O", SpaceName: "S", AppName: "A"}
	srv := httptest.NewServer(a)
	defer srv.Close()
	a.URL = srv.URL
	token := func(user, pass string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/oauth/token",
			strings.NewReader(url.Values{"grant_type": {"password"}, "username": {user}, "password": {pass}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("cf", "")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	get := func(path, auth string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code := token("u", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("token with a wrong password: %d", code)
	}
	if code := token("u", "p"); code != http.StatusOK {
		t.Errorf("token: %d", code)
	}
	if code, _ := get("/v2/apps/app", ""); code != http.StatusUnauthorized {
		t.Errorf("app without the token: %d", code)
	}
	if code, body := get("/v2/apps/app", "Bearer "+bearer); code != http.StatusOK || !strings.Contains(body, `"space_guid":"space"`) {
		t.Errorf("app: %d %s", code, body)
	}
	if code, _ := get("/v2/apps/other", "Bearer "+bearer); code != http.StatusNotFound {
		t.Errorf("another app: %d", code)
	}
	if code, body := get("/v2/info", ""); code != http.StatusOK || !strings.Contains(body, `"token_endpoint":"`+srv.URL+`"`) {
		t.Errorf("info: %d %s", code, body)
	}
}
