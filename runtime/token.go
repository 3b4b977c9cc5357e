package runtime

import (
	"net/http"

	"github.com/vaultproxy/vaultproxy/compile"
)

// tokenChoice is the outcome of token selection for one request.
type tokenChoice int

const (
	// useClient forwards the request's own X-Vault-Token header as it came (possibly none).
	useClient tokenChoice = iota
	// useAutoAuth replaces any X-Vault-Token with the proxy's auto-auth token.
	useAutoAuth
)

// chooseToken picks the token as hashicorp/vault command/agentproxyshared/cache/handler.go does: with
// "force" the auto-auth token always; with true the auto-auth token only when the request carries no
// token (an empty X-Vault-Token header counts as none); with false the request's header as it came.
func chooseToken(mode compile.TokenMode, h http.Header) tokenChoice {
	switch mode {
	case compile.TokenModeForce:
		return useAutoAuth
	case compile.TokenModeAutoAuth:
		if clientToken(h) == "" {
			return useAutoAuth
		}
	}
	return useClient
}

// clientToken is the token a request carries in X-Vault-Token, "" for none or an empty header.
func clientToken(h http.Header) string { return h.Get("X-Vault-Token") }
