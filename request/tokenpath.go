package request

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"
)

// TokenPath classifies a request path for the sanitiser of the auto-auth token.
type TokenPath int

const (
	NotTokenPath TokenPath = iota
	// SelfTokenPath is auth/token/lookup-self or renew-self: the answer is always about the token
	// the request carries.
	SelfTokenPath
	// OtherTokenPath is auth/token/lookup or renew: the answer is about the token named in the
	// request, or the caller's when it names none.
	OtherTokenPath
)

// TokenPathOf reports whether a response to this path may carry the auto-auth token and must be
// checked: token lookup and renew, self or not, in any namespace given in the path. The decoded
// path is cleaned and compared without regard to case first, so that no spelling of these paths
// (a double slash, a "." or ".." segment, %2F for a slash, a trailing slash, capitals) slips
// past: Vault answers some of them itself and redirects the others to the clean path, and treating
// one too many as a token path only costs a buffered answer.
func TokenPathOf(urlPath string) TokenPath {
	if !mayNameTokenOp(urlPath) {
		return NotTokenPath
	}
	p := urlPath
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	// Clean and ToLower return their argument, allocating nothing, when it is clean and lower case
	// already: the common request.
	p = strings.ToLower(path.Clean(p))
	if !strings.HasPrefix(p, "/v1/") {
		return NotTokenPath
	}
	for _, s := range []struct {
		suffix string
		kind   TokenPath
	}{
		{"/auth/token/lookup-self", SelfTokenPath},
		{"/auth/token/renew-self", SelfTokenPath},
		{"/auth/token/lookup", OtherTokenPath},
		{"/auth/token/renew", OtherTokenPath},
	} {
		if strings.HasSuffix(p, s.suffix) {
			return s.kind
		}
	}
	return NotTokenPath
}

// mayNameTokenOp is TokenPathOf's quick test, for the common request that is no token lookup or
// renew (auth/token/create, a secret read): a path that cleans to one of the four token paths has
// "lookup" or "renew" in some spelling of its case, since path.Clean keeps the segments it does not
// drop as they are. A path with a byte outside ASCII always takes the full test: strings.ToLower
// maps some other runes to ASCII letters (the Kelvin sign to k).
func mayNameTokenOp(p string) bool {
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c >= utf8.RuneSelf:
			return true
		case c|0x20 == 'l' && len(p)-i >= len("lookup") && strings.EqualFold(p[i:i+len("lookup")], "lookup"),
			c|0x20 == 'r' && len(p)-i >= len("renew") && strings.EqualFold(p[i:i+len("renew")], "renew"):
			return true
		}
	}
	return false
}

// maxTokenParamBody bounds how much of a lookup or renew body is read to find the token it names.
const maxTokenParamBody = 64 << 10

// tokenInQuery reports the methods whose token parameter Vault reads from the query.
func tokenInQuery(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, "LIST":
		return true
	}
	return false
}

// tokenParam returns the "token" parameter of a lookup or renew request as Vault would read it: from
// the query of a GET, HEAD or LIST; from the body of other methods, as a form when Vault would parse
// it as one, else as a JSON object. ok is false when it cannot be made out for certain (a body over
// 64 KiB, not a JSON object, a value that is not a string, a repeated parameter).
func tokenParam(r Request) (tok string, ok bool) {
	if tokenInQuery(r.Method) {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return "", false
		}
		return single(q["token"])
	}
	body := r.Body
	if len(body) > maxTokenParamBody {
		return "", false
	}
	if isVaultForm(body, r.Header.Get("Content-Type")) {
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return "", false
		}
		return single(q["token"])
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return "", true
	}
	// A map, not a struct: Vault's field names are case-sensitive, encoding/json's struct tags are not.
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return "", false
	}
	v, has := doc["token"]
	if !has {
		return "", true
	}
	s, isString := v.(string)
	return s, isString
}

func single(vals []string) (string, bool) {
	switch len(vals) {
	case 0:
		return "", true
	case 1:
		return vals[0], true
	}
	return "", false
}

// isVaultForm reports whether Vault parses a body as a form rather than JSON (its http.isForm): a
// Content-Type of application/x-www-form-urlencoded and a body whose first 512 bytes do not start,
// after white space, with { or [.
func isVaultForm(body []byte, contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return false
	}
	for _, c := range body[:min(len(body), 512)] {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '[', '{':
			return false
		default:
			return true
		}
	}
	return true
}

// aboutAutoToken reports whether Vault's answer to r, made with the auto-auth token, is about that
// token: lookup-self and renew-self always are, and so are lookup and renew unless they name, for
// certain, another token (Vault answers about the caller when the token parameter is missing or
// empty). Such an answer goes through the sanitiser whole: Vault may identify the token by its
// internal ID rather than the token itself, so comparing values would miss it. pending says the
// answer assumed what r does not tell: its body (unread), or the auto-auth token (unknown; a named
// token is then taken to be another).
func aboutAutoToken(r Request, kind TokenPath) (about, pending bool) {
	switch kind {
	case NotTokenPath:
		return false, false
	case SelfTokenPath:
		return true, false
	}
	if r.BodyUnread && !tokenInQuery(r.Method) {
		return true, true
	}
	tok, ok := tokenParam(r)
	if !ok || tok == "" {
		return true, false
	}
	if r.AutoAuthToken == "" {
		return false, true
	}
	return tok == r.AutoAuthToken, false
}
