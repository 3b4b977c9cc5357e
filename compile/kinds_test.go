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
