package compile_test

import (
	"errors"
	"testing"

	"github.com/vaultproxy/vaultproxy/compile"
)

func TestParseVaultAddress(t *testing.T) {
	for _, tc := range []struct {
		addr, url, socket string
		err               error
	}{
		{"https://vault.example.test:8200", "https://vault.example.test:8200", "", nil},
		{"http://127.0.0.1:8200", "http://127.0.0.1:8200", "", nil},
		{"unix:///run/vault/vault.sock", "http://localhost", "/run/vault/vault.sock", nil},
		{"unix://vault.sock", "http://localhost", "vault.sock", nil},
		{"unix://", "", "", compile.ErrNoSocket},
		{"UNIX:///run/vault.sock", "", "", compile.ErrScheme},
		{"ftp://vault", "", "", compile.ErrScheme},
		{"://x", "", "", compile.ErrScheme},
		{"https://", "", "", compile.ErrNoHost},
		{"http://replica-{{.Task.Slot}}:8200", "", "", compile.ErrBadURL},
		{"HTTPS://vault:82x0", "", "", compile.ErrBadURL},
	} {
		ep, err := compile.ParseVaultAddress(tc.addr)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("%q: error %v, want %v", tc.addr, err, tc.err)
			}
			continue
		}
		if err != nil || ep.URL.String() != tc.url || ep.Socket != tc.socket {
			t.Errorf("%q: %v %q %v, want %q %q", tc.addr, ep.URL, ep.Socket, err, tc.url, tc.socket)
		}
	}
}

func TestParseTCPAddress(t *testing.T) {
	for _, tc := range []struct{ addr, host, port, network, problem string }{
		{"127.0.0.1:8100", "127.0.0.1", "8100", "tcp", ""},
		{"0.0.0.0:08100", "0.0.0.0", "8100", "tcp4", ""},
		{"[::]:8100", "", "8100", "tcp", ""},
		{":8100", "", "8100", "tcp", ""},
		{"[::ffff:127.0.0.1]:8100", "127.0.0.1", "8100", "tcp", ""},
		{"Vault.Example.Test:8100", "vault.example.test", "8100", "tcp", ""},
		{"127.0.0.1", "", "", "", "has no port"},
		{"::1:8100", "", "", "", "is not host:port (an IPv6 address goes in brackets, as in [::1]:8100)"},
		{"127.0.0.1:99999", "", "", "", `has port "99999", which is not a number from 0 to 65535`},
	} {
		a, problem := compile.ParseTCPAddress(tc.addr)
		if problem != tc.problem || problem == "" && (a.Host != tc.host || a.Port != tc.port || a.Network() != tc.network) {
			t.Errorf("%q: %q %q %s, problem %q; want %q %q %s, %q", tc.addr, a.Host, a.Port, a.Network(), problem, tc.host, tc.port, tc.network, tc.problem)
		}
	}
}

// TestPlanAddressesAreParsedOnce checks that a plan holds its addresses parsed, whether compiled or
// read from a plan file, and that what the accessors return is the caller's to change.
func TestPlanAddressesAreParsedOnce(t *testing.T) {
	src := compile.Source{Name: "proxy.hcl", Bytes: []byte(`
vault { address = "https://vault.example.test:8200" }
listener "tcp" {
  address     = "127.0.0.1:8100"
  tls_disable = true
}
listener "tcp" {
  address     = "[::]:8101"
  tls_disable = true
}
listener "tcp" {
  address     = "localhost"
  tls_disable = true
}
`)}
	compiled, diags := compile.Compile([]compile.Source{src}, compile.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	doc, err := compiled.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := compile.DecodePlanJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*compile.Plan{"compiled": compiled, "plan file": decoded} {
		ep, err := p.Vault().Endpoint()
		if err != nil || ep.URL.String() != "https://vault.example.test:8200" || ep.Socket != "" {
			t.Errorf("%s: endpoint %+v, %v", name, ep, err)
			continue
		}
		ep.URL.Host = "changed.example.test"
		if again, _ := p.Vault().Endpoint(); again.URL.Host != "vault.example.test:8200" {
			t.Errorf("%s: changing a returned endpoint changed the plan's: %s", name, again.URL)
		}

		ls := p.Listeners()
		a, problem := ls[0].TCPAddress()
		if problem != "" || a.Host != "127.0.0.1" || a.Port != "8100" || a.IP.String() != "127.0.0.1" || a.Network() != "tcp" {
			t.Errorf("%s: listener 0: %+v, %q", name, a, problem)
			continue
		}
		a.IP[len(a.IP)-1] = 2
		if again, _ := ls[0].TCPAddress(); again.IP.String() != "127.0.0.1" {
			t.Errorf("%s: changing a returned address changed the plan's: %s", name, again.IP)
		}
		if a, problem := ls[1].TCPAddress(); problem != "" || a.Host != "" || a.Port != "8101" || a.IP != nil {
			t.Errorf("%s: listener 1: %+v, %q", name, a, problem)
		}
		if _, problem := ls[2].TCPAddress(); problem != "has no port" {
			t.Errorf("%s: listener 2: problem %q, want \"has no port\"", name, problem)
		}
	}
}
