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
