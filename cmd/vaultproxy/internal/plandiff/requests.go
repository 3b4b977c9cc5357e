package plandiff

import (
	"fmt"
	"strings"

	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/preview"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/request"
)

// RequestChange is an example request whose decision differs on a listener.
type RequestChange struct {
	Listener string `json:"listener"`
	// Request is the request line and its headers, `GET /v1/secret/data/app` then `Name: value`
	// (a token as its name only).
	Request string  `json:"request"`
	Old     Outcome `json:"old"`
	New     Outcome `json:"new"`
}

// Outcome is the part of a decision (request.Decision) that the diff compares: what reaches Vault,
// or the proxy's own answer. Reason is shown, not compared.
type Outcome struct {
	// Status is the proxy's own answer; 0 when the request is forwarded to Vault.
	Status    int    `json:"status"`
	Endpoint  string `json:"endpoint,omitempty"`
	Token     string `json:"token"`
	Namespace string `json:"namespace"`
	Cache     string `json:"cache"`
	Retry     bool   `json:"retry"`
	Sanitize  bool   `json:"sanitize"`
	Reason    string `json:"reason"`
}

func outcome(d request.Decision) Outcome {
	return Outcome{Status: d.Status, Endpoint: string(d.Endpoint), Token: string(d.Token), Namespace: d.Namespace,
		Cache: string(d.Cache), Retry: d.Retry, Sanitize: d.Sanitize, Reason: d.Reason}
}

// same reports decisions that do the same, whatever their reasons say.
func (o Outcome) same(n Outcome) bool {
	o.Reason, n.Reason = "", ""
	return o == n
}

// requestChanges decides every example request on each listener both plans have.
func requestChanges(old, new *compile.Plan) []RequestChange {
	olds := listeners(old)
	out := []RequestChange{}
	for _, nl := range keyed(new) {
		ol, ok := olds[nl.name]
		if !ok {
			continue
		}
		for _, ex := range preview.Examples() {
			r, err := request.Parse(ex.Line, ex.Headers)
			if err != nil {
				panic(fmt.Sprintf("plandiff: example request %q: %v", ex.Line, err)) // constants
			}
			o, n := outcome(request.Decide(old, ol, r)), outcome(request.Decide(new, nl.l, r))
			if !o.same(n) {
				out = append(out, RequestChange{Listener: nl.name, Request: describe(ex), Old: o, New: n})
			}
		}
	}
	return out
}

type namedListener struct {
	name string
	l    compile.Listener
}

// keyed names p's listeners as the settings do (elementName).
func keyed(p *compile.Plan) []namedListener {
	seen := map[string]int{}
	var out []namedListener
	for _, l := range p.Listeners() {
		name := ListenerName(string(l.Type().Get()), l.Address().Get())
		seen[name]++
		if seen[name] > 1 {
			name += fmt.Sprintf(" #%d", seen[name])
		}
		out = append(out, namedListener{name, l})
	}
	return out
}

func listeners(p *compile.Plan) map[string]compile.Listener {
	m := map[string]compile.Listener{}
	for _, nl := range keyed(p) {
		m[nl.name] = nl.l
	}
	return m
}

// describe writes an example request on one line, a token header by its name only.
func describe(ex preview.Example) string {
	parts := []string{ex.Line}
	for _, h := range ex.Headers {
		if name, _, _ := strings.Cut(h, ":"); strings.EqualFold(name, "X-Vault-Token") {
			h = name
		}
		parts = append(parts, h)
	}
	return strings.Join(parts, ", ")
}
