package autoauth

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jcmturner/goidentity/v6"
	"github.com/jcmturner/gokrb5/v8/iana/patype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/service"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/vaultproxy/vaultproxy/internal/krb5test"
)

// kerberosLogin is one login request as the scripted Vault saw it.
type kerberosLogin struct {
	method, path, body string
	authorization      []string
	user               string // the SPNEGO token's client, user@REALM; "" when refused
}

// spnegoVault is a scripted Vault whose kerberos login checks the Authorization header's SPNEGO
// token with the service's keytab as Vault's kerberos backend does (hashicorp/vault-plugin-auth-kerberos
// path_login.go: spnego.SPNEGOKRB5Authenticate with service.KeytabPrincipal(service_account)), and
// answers a token for each login it accepts.
type spnegoVault struct {
	kt             *keytab.Keytab
	serviceAccount string

	mu     sync.Mutex
	logins []kerberosLogin
}

func (v *spnegoVault) handler(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	l := kerberosLogin{method: r.Method, path: r.URL.Path, body: string(body), authorization: r.Header.Values("Authorization")}
	check := spnego.SPNEGOKRB5Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := goidentity.FromHTTPRequestContext(r); id != nil {
			l.user = id.UserName() + "@" + id.Domain()
		}
	}), v.kt, service.KeytabPrincipal(v.serviceAccount))
	rec := httptest.NewRecorder()
	check.ServeHTTP(rec, r)
	v.mu.Lock()
	v.logins = append(v.logins, l)
	n := len(v.logins)
	v.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if l.user == "" {
		w.WriteHeader(rec.Code)
		_, _ = io.WriteString(w, `{"errors":[],"warnings":["SPNEGO refused"]}`)
		return
	}
	_, _ = io.WriteString(w, `{"auth":{"client_token":"tok-`+string(rune('0'+n))+`","renewable":false,"lease_duration":3600}}`)
}

func (v *spnegoVault) seen() []kerberosLogin {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.logins)
}

// kerberosRealm is a KDC with user alice and service HTTP/localhost, alice's keytab, and a scripted
// Vault holding the service's keytab.
func kerberosRealm(t *testing.T) (k *krb5test.KDC, aliceKeytab string, v *spnegoVault, srv *httptest.Server) {
	t.Helper()
	k = krb5test.Start(t, "alice", "+no_auth_data_required HTTP/localhost")
	aliceKeytab = k.Keytab(t, "alice")
	kt, err := keytab.Load(k.Keytab(t, "HTTP/localhost"))
	if err != nil {
		t.Fatal(err)
	}
	v = &spnegoVault{kt: kt, serviceAccount: "HTTP/localhost"}
	srv = httptest.NewServer(http.HandlerFunc(v.handler))
	t.Cleanup(srv.Close)
	return k, aliceKeytab, v, srv
}

func kerberosConfig(keytabPath, krb5Conf string) Config {
	return Config{Method: "kerberos", MountPath: "auth/krb", Strings: map[string]string{
		"username": "alice", "service": "HTTP/localhost", "realm": krb5test.Realm,
		"keytab_path": keytabPath, "krb5conf_path": krb5Conf,
	}, Bools: map[string]bool{"disable_fast_negotiation": false}}
}

// The method logs in at <mount>/login with an empty JSON body and one Authorization header whose
// SPNEGO token the service's keytab accepts as alice's; each login makes a new token (the service's
// replay cache would refuse the same one again).
func TestKerberosLogin(t *testing.T) {
	k, aliceKT, v, srv := kerberosRealm(t)
	m, _ := startManager(t, kerberosConfig(aliceKT, k.Krb5Conf()), srv)
	if tok := waitToken(t, m); tok != "tok-1" {
		t.Fatalf("token %q, want tok-1", tok)
	}
	method := newKerberos(kerberosConfig(aliceKT, k.Krb5Conf()))
	c, err := newAPIClient(srv.URL, srv.Client(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := method.login(context.Background(), c)
	if err != nil || s == nil || s.Auth == nil || s.Auth.ClientToken != "tok-2" {
		t.Fatalf("second login: %+v, %v", s, err)
	}
	logins := v.seen()
	if len(logins) != 2 {
		t.Fatalf("%d logins reached Vault, want 2: %+v", len(logins), logins)
	}
	for i, l := range logins {
		if l.method != http.MethodPut || l.path != "/v1/auth/krb/login" || l.body != "{}" {
			t.Errorf("login %d: %s %s %q, want PUT {} to /v1/auth/krb/login", i, l.method, l.path, l.body)
		}
		if len(l.authorization) != 1 || !strings.HasPrefix(l.authorization[0], "Negotiate ") {
			t.Errorf("login %d: Authorization %q, want one Negotiate header", i, l.authorization)
			continue
		}
		if _, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(l.authorization[0], "Negotiate ")); err != nil {
			t.Errorf("login %d: the token is not standard base64: %v", i, err)
		}
		if l.user != "alice@"+krb5test.Realm {
			t.Errorf("login %d: the service's keytab did not accept the token as alice's (user %q)", i, l.user)
		}
	}
	if logins[0].authorization[0] == logins[1].authorization[0] {
		t.Error("the second login sent the first login's token again")
	}
}

// What GetAuthHeaderVal reports, before anything is sent to Vault, for a missing keytab or
// krb5.conf, a username the keytab does not hold and a service the realm does not know.
func TestKerberosLoginErrors(t *testing.T) {
	k, aliceKT, v, srv := kerberosRealm(t)
	missing := filepath.Join(t.TempDir(), "missing")
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no keytab", func(c *Config) { c.Strings["keytab_path"] = missing }, "kerberos: couldn't load keytab: "},
		{"no krb5.conf", func(c *Config) { c.Strings["krb5conf_path"] = missing }, "kerberos: couldn't parse krb5Conf: "},
		{"user not in the keytab", func(c *Config) { c.Strings["username"] = "bob" }, "kerberos: couldn't log in: "},
		{"unknown service", func(c *Config) { c.Strings["service"] = "HTTP/elsewhere" }, "kerberos: couldn't initialize context: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := kerberosConfig(aliceKT, k.Krb5Conf())
			tt.edit(&cfg)
			c, err := newAPIClient(srv.URL, srv.Client(), "", 0)
			if err != nil {
				t.Fatal(err)
			}
			_, err = newKerberos(cfg).login(context.Background(), c)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("login: %v, want %q...", err, tt.want)
			}
		})
	}
	if n := len(v.seen()); n != 0 {
		t.Errorf("%d logins reached Vault", n)
	}
}

// kdcRelay passes Kerberos messages over TCP to the KDC and records the pre-authentication data
// types of each AS-REQ it passes.
type kdcRelay struct {
	kdc string
	ln  net.Listener

	mu     sync.Mutex
	asReqs [][]int32
}

func startRelay(t *testing.T, kdc string) *kdcRelay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &kdcRelay{kdc: kdc, ln: ln}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); r.serve(c) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return r
}

// serve relays one exchange: a message framed by its 4-byte length (RFC 4120 7.2.2) and the answer.
func (r *kdcRelay) serve(c net.Conn) {
	defer c.Close()
	msg, err := readFrame(c)
	if err != nil {
		return
	}
	var as messages.ASReq
	if as.Unmarshal(msg[4:]) == nil {
		var types []int32
		for _, pa := range as.PAData {
			types = append(types, pa.PADataType)
		}
		r.mu.Lock()
		r.asReqs = append(r.asReqs, types)
		r.mu.Unlock()
	}
	up, err := net.Dial("tcp", r.kdc)
	if err != nil {
		return
	}
	defer up.Close()
	if _, err := up.Write(msg); err != nil {
		return
	}
	answer, err := readFrame(up)
	if err != nil {
		return
	}
	_, _ = c.Write(answer)
}

func readFrame(c net.Conn) ([]byte, error) {
	head := make([]byte, 4)
	if _, err := io.ReadFull(c, head); err != nil {
		return nil, err
	}
	msg := make([]byte, 4+binary.BigEndian.Uint32(head))
	copy(msg, head)
	_, err := io.ReadFull(c, msg[4:])
	return msg, err
}

func (r *kdcRelay) seen() [][]int32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.asReqs)
}

// The AS-REQ always carries the encrypted timestamp (pre-authentication assumed, as
// GetAuthHeaderVal sets it), and asks for FAST negotiation (PA-REQ-ENC-PA-REP) unless
// disable_fast_negotiation is set; the login goes through either way.
func TestKerberosFASTNegotiation(t *testing.T) {
	k, aliceKT, v, srv := kerberosRealm(t)
	for _, disable := range []bool{false, true} {
		relay := startRelay(t, k.Addr())
		cfg := kerberosConfig(aliceKT, k.Krb5ConfFor(t, relay.ln.Addr().String()))
		cfg.Bools["disable_fast_negotiation"] = disable
		c, err := newAPIClient(srv.URL, srv.Client(), "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := newKerberos(cfg).login(context.Background(), c); err != nil {
			t.Fatalf("disable_fast_negotiation=%v: %v", disable, err)
		}
		reqs := relay.seen()
		if len(reqs) != 1 {
			t.Fatalf("disable_fast_negotiation=%v: %d AS-REQs, want 1: %v", disable, len(reqs), reqs)
		}
		if !slices.Contains(reqs[0], patype.PA_ENC_TIMESTAMP) {
			t.Errorf("disable_fast_negotiation=%v: AS-REQ padata %v without PA-ENC-TIMESTAMP", disable, reqs[0])
		}
		if got := slices.Contains(reqs[0], patype.PA_REQ_ENC_PA_REP); got == disable {
			t.Errorf("disable_fast_negotiation=%v: AS-REQ padata %v: PA-REQ-ENC-PA-REP present %v", disable, reqs[0], got)
		}
	}
	if logins := v.seen(); len(logins) != 2 || logins[0].user == "" || logins[1].user == "" {
		t.Errorf("logins: %+v", logins)
	}
}
