package request

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Request is what Decide reads of an HTTP request.
type Request struct {
	Method string
	// URL is the request target as the server parsed it (net/http's Request.URL): a path, or
	// something else for requests that are not the shape of a Vault API request.
	URL *url.URL
	// ProtoMajor is the HTTP major version (2 for the HTTP/2 preface sent over HTTP/1).
	ProtoMajor int
	Header     http.Header
	// Body is the request body, read whole. BodyUnread says it has not been read yet: a decision
	// that depends on it is then Pending (see Decision.Pending).
	Body       []byte
	BodyUnread bool
	// AutoAuthToken is the auto-auth token the proxy holds, when known. It only matters for a token
	// lookup or renewal that names a token: the answer is sanitised, and wrapping refused, when it is
	// this token. Left empty, a named token is taken not to be it (Decision.Pending says so).
	AutoAuthToken string
}

// FromHTTP is the Request of an incoming request whose body has not been read yet.
func FromHTTP(r *http.Request) Request {
	return Request{Method: r.Method, URL: r.URL, ProtoMajor: r.ProtoMajor, Header: r.Header, BodyUnread: true}
}

// Parse reads a request written as `METHOD TARGET` ("GET /v1/sys/health") with headers written as
// `Name: value`, for the command line and the test runner. The target is parsed as a server parses
// a request target, so "GET http://x/" is an absolute URI, which the proxy refuses.
func Parse(line string, headers []string) (Request, error) {
	method, target, ok := strings.Cut(strings.TrimSpace(line), " ")
	target = strings.TrimSpace(target)
	if !ok || method == "" || target == "" || strings.ContainsAny(target, " \t") {
		return Request{}, fmt.Errorf("request %q: want METHOD PATH, such as \"GET /v1/sys/health\"", line)
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return Request{}, fmt.Errorf("request %q: %v", line, err)
	}
	h := http.Header{}
	for _, hv := range headers {
		name, value, ok := strings.Cut(hv, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return Request{}, fmt.Errorf("header %q: want Name: value", hv)
		}
		h.Add(name, strings.TrimSpace(value))
	}
	return Request{Method: method, URL: u, ProtoMajor: 1, Header: h}, nil
}
