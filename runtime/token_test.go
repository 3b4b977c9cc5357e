package runtime

import (
	"net/http"
	"testing"

	"github.com/vaultproxy/vaultproxy/compile"
)

func TestChooseToken(t *testing.T) {
	tests := []struct {
		name   string
		mode   compile.TokenMode
		header []string // nil: no X-Vault-Token header
		want   tokenChoice
	}{
		{"false keeps the client token", compile.TokenModeClient, []string{"T_CLIENT"}, useClient},
		{"false keeps no token", compile.TokenModeClient, nil, useClient},
		{"false keeps an empty header", compile.TokenModeClient, []string{""}, useClient},
		{"true keeps the client token", compile.TokenModeAutoAuth, []string{"T_CLIENT"}, useClient},
		{"true adds the auto-auth token when none", compile.TokenModeAutoAuth, nil, useAutoAuth},
		{"true treats an empty header as none", compile.TokenModeAutoAuth, []string{""}, useAutoAuth},
		{"force replaces the client token", compile.TokenModeForce, []string{"T_CLIENT"}, useAutoAuth},
		{"force adds the auto-auth token", compile.TokenModeForce, nil, useAutoAuth},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.header != nil {
				h["X-Vault-Token"] = tc.header
			}
			if got := chooseToken(tc.mode, h); got != tc.want {
				t.Errorf("chooseToken(%s, %v) = %v, want %v", tc.mode, tc.header, got, tc.want)
			}
		})
	}
}
