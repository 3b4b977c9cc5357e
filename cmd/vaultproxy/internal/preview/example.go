package preview

import (
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/request"
)

// exampleToken is the client's X-Vault-Token of the example requests (never printed).
const exampleToken = "client-token"

// example asks the request model (request.Decide) what an example request becomes on a listener,
// so that the Requests table says what run does rather than a second account of it.
type example struct {
	p *compile.Plan
	l compile.Listener
}

// exampleLine is the request line of the example requests.
const exampleLine = "GET /v1/secret/data/app"

// decide is the decision for exampleLine with the given headers (`Name: value`) and
// X-Vault-Request (which require_request_header asks for).
func (ex example) decide(headers ...string) request.Decision {
	r, err := request.Parse(exampleLine, append(headers, "X-Vault-Request: true"))
	if err != nil {
		panic(err) // the example requests are constants
	}
	return request.Decide(ex.p, ex.l, r)
}

// tokenRow says which token a decision sends, for a request that carried one (sent) or not.
func tokenRow(t request.Token, sent bool) string {
	switch {
	case t == request.TokenAutoAuth && sent:
		return "the auto-auth token, not the client's"
	case t == request.TokenAutoAuth:
		return "the auto-auth token"
	case t == request.TokenClient:
		return "the client's token"
	}
	return "none: the request is unauthenticated"
}

// namespaceRow says which namespace a decision sends: the one it sets, or the request's own as sent.
func namespaceRow(d request.Decision) string {
	if ns, set := d.Headers.Set[request.HeaderNamespace]; set {
		return ns
	}
	if d.Namespace == "" {
		return "none: the root namespace"
	}
	return exampleNamespace + ", as sent"
}

// Example is one example request: its request line and its headers (`Name: value`), as
// request.Parse reads them.
type Example struct {
	Line    string
	Headers []string
}

// Examples are the example requests of the Requests table (without and with X-Vault-Token, with
// X-Vault-Namespace, all with X-Vault-Request), then the ones that show what else a listener
// decides: the same read without X-Vault-Request (require_request_header), a token creation (which
// the lease cache stores), and the proxy's own quit and cache-clear endpoints. `vaultproxy diff`
// decides each on both plans.
func Examples() []Example {
	const token = "X-Vault-Token: " + exampleToken
	return []Example{
		{exampleLine, []string{"X-Vault-Request: true"}},
		{exampleLine, []string{token, "X-Vault-Request: true"}},
		{exampleLine, []string{token, "X-Vault-Namespace: " + exampleNamespace, "X-Vault-Request: true"}},
		{exampleLine, []string{token}},
		{"POST /v1/auth/token/create", []string{token, "X-Vault-Request: true"}},
		{"POST /proxy/v1/quit", []string{"X-Vault-Request: true"}},
		{"POST /proxy/v1/cache-clear", []string{"X-Vault-Request: true"}},
	}
}
