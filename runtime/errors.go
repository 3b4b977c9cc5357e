package runtime

import (
	"encoding/json"
	"net/http"
)

// writeErrors answers with Vault's error shape, {"errors":[...]}, as Vault Proxy does for the errors
// it makes itself (hashicorp/vault command/agentproxyshared/cache/handler.go).
func writeErrors(w http.ResponseWriter, status int, msgs ...string) {
	if msgs == nil {
		msgs = []string{}
	}
	b, _ := json.Marshal(struct {
		Errors []string `json:"errors"`
	}{msgs})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Del("Content-Length")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
