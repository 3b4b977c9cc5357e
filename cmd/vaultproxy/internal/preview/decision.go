package preview

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/mitchellh/go-wordwrap"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/request"
)

// secretHeaders are the request headers whose values are not printed.
var secretHeaders = []string{"X-Vault-Token", "Authorization", "Proxy-Authorization", "Cookie"}

// WriteDecision writes what `vaultproxy plan -request` prints: the request (line, as written, and
// its headers, credentials masked), the listener, and request.Decide's decision d.
func WriteDecision(w io.Writer, line string, r request.Request, l compile.Listener, d request.Decision) error {
	pw := &printer{labelW: 10}
	pw.line("Request: " + strings.TrimSpace(line))
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range r.Header[name] {
			if slices.Contains(secretHeaders, name) && v != "" {
				v = "(sent)"
			}
			pw.line("  " + name + ": " + v)
		}
	}
	pw.line(fmt.Sprintf("Listener %d: %s %s (role %s)", l.Index()+1, l.Type().Get(), l.Address().Get(), l.Role().Get()))
	pw.blank()
	pw.decision(d)
	_, err := io.WriteString(w, pw.b.String())
	return err
}

func (w *printer) decision(d request.Decision) {
	if !d.Forwarded() {
		title := fmt.Sprintf("Answered by the proxy: %d %s", d.Status, http.StatusText(d.Status))
		w.line(title)
		if d.Endpoint != "" {
			w.note(2, "endpoint", string(d.Endpoint))
		}
		if d.Allow != "" {
			w.note(2, "Allow", d.Allow)
		}
		for i, e := range d.Errors {
			label := ""
			if i == 0 {
				label = "errors"
			}
			w.note(2, label, e)
		}
		w.line("  Vault does not see the request.")
	} else {
		w.line("Forwarded to Vault")
		w.note(2, "token", tokenText(d.Token))
		w.note(2, "namespace", namespace(d.Namespace))
		w.headerRows(d.Headers)
		w.note(2, "cache", cacheText(d.Cache))
		w.note(2, "retry", yesNo(d.Retry, "yes, after a connection error, 429 or 5xx", "no"))
		w.note(2, "sanitise", yesNo(d.Sanitize, "yes: the answer is cleaned of the auto-auth token", "no"))
	}
	w.blank()
	for _, l := range strings.Split(wordwrap.WrapString("Why: "+d.Reason, Width), "\n") {
		w.line(l)
	}
}

func (w *printer) headerRows(h request.Headers) {
	names := make([]string, 0, len(h.Set))
	for name := range h.Set {
		names = append(names, name)
	}
	slices.Sort(names)
	if len(names) == 0 {
		w.note(2, "set", "nothing")
	}
	for i, name := range names {
		label := ""
		if i == 0 {
			label = "set"
		}
		w.note(2, label, name+": "+h.Set[name])
	}
	if len(h.Remove) == 0 {
		w.note(2, "remove", "nothing")
	} else {
		w.note(2, "remove", strings.Join(h.Remove, ", "))
	}
}

func tokenText(t request.Token) string {
	switch t {
	case request.TokenAutoAuth:
		return "auto_auth: the proxy's auto-auth token"
	case request.TokenClient:
		return "client: the client's token, as sent"
	}
	return "none: the request is unauthenticated"
}

func cacheText(c request.Cache) string {
	switch c {
	case request.CacheLease:
		return "lease: an answer with a lease or a token is cached"
	case request.CacheStatic:
		return "static: a KV answer is shared by the tokens Vault let read it"
	}
	return "none: always reaches Vault, not stored"
}

func yesNo(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}
