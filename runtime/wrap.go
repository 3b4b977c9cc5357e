package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
)

// wrapTTLHeader asks Vault to response-wrap the answer: Vault then returns a wrapping token, and the
// answer itself only comes back from sys/wrapping/unwrap, which the sanitiser does not see (and which
// need not even go through the proxy).
const wrapTTLHeader = "X-Vault-Wrap-TTL"

// maxTokenParamBody bounds how much of a lookup or renew body is read to find the token it names.
const maxTokenParamBody = 64 << 10

// wrapRefusalFor returns why a request made with the auto-auth token must not be forwarded, or ""
// when it may be; about is aboutAutoToken's answer for r. Refused is a request the sanitiser would
// clean (lookup-self and renew-self; lookup and renew whose token parameter is empty, missing or the
// auto-auth token itself) that asks for response wrapping: wrapped, the answer would hold the
// auto-auth token (data.id, auth.client_token) out of the sanitiser's reach. A lookup or renew of
// another token, named in the request, may be wrapped. Any X-Vault-Wrap-TTL header counts, even an
// empty one. A token parameter that cannot be made out for certain counts as the auto-auth token
// (aboutAutoToken), so such a request is refused too.
func wrapRefusalFor(r *http.Request, about bool) string {
	if !about || len(r.Header.Values(wrapTTLHeader)) == 0 {
		return ""
	}
	return fmt.Sprintf("response wrapping (%s) is refused for %s with the proxy's auto-auth token: the wrapped answer would hold the auto-auth token; send the request without %s",
		wrapTTLHeader, r.URL.Path, wrapTTLHeader)
}

// aboutAutoToken reports whether Vault's answer to r, made with the auto-auth token, is about that
// token: lookup-self and renew-self always are, and so are lookup and renew unless they name, for
// certain, another token (Vault answers about the caller when the token parameter is missing or
// empty). Such an answer goes through the sanitiser whole: Vault may identify the token by its
// internal ID rather than the token itself, so comparing values would miss it.
func aboutAutoToken(r *http.Request, autoToken string) (bool, error) {
	switch classifyTokenPath(r.URL.Path) {
	case notTokenPath:
		return false, nil
	case selfTokenPath:
		return true, nil
	}
	tok, ok, err := tokenParam(r)
	if err != nil {
		return false, err
	}
	return !(ok && tok != "" && tok != autoToken), nil
}

// tokenParam returns the "token" parameter of a lookup or renew request as Vault would read it: from
// the query of a GET, HEAD or LIST; from the body of other methods, as a form when Vault would parse
// it as one, else as a JSON object. ok is false when it cannot be made out for certain (a body over
// 64 KiB, not a JSON object, a value that is not a string, a repeated parameter). A body it reads is
// put back in r.
func tokenParam(r *http.Request) (tok string, ok bool, err error) {
	switch r.Method {
	case http.MethodGet, http.MethodHead, "LIST":
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return "", false, nil
		}
		return single(q["token"])
	}
	if r.Body == nil || r.Body == http.NoBody {
		return "", true, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxTokenParamBody+1))
	rest := r.Body
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), rest), rest}
	if err != nil {
		return "", false, fmt.Errorf("reading the request body: %w", err)
	}
	if len(body) > maxTokenParamBody {
		return "", false, nil
	}
	if isVaultForm(body, r.Header.Get("Content-Type")) {
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return "", false, nil
		}
		return single(q["token"])
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return "", true, nil
	}
	// A map, not a struct: Vault's field names are case-sensitive, encoding/json's struct tags are not.
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return "", false, nil
	}
	v, has := doc["token"]
	if !has {
		return "", true, nil
	}
	s, isString := v.(string)
	return s, isString, nil
}

func single(vals []string) (string, bool, error) {
	switch len(vals) {
	case 0:
		return "", true, nil
	case 1:
		return vals[0], true, nil
	}
	return "", false, nil
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
