package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
)

// net/http answers some requests itself, before any handler runs, in plain text: 400 for a request
// it cannot parse (a malformed request line or header, a missing Host), 431 for a header block over
// MaxHeaderBytes, 501 for a transfer coding it does not know, 505 for an unsupported HTTP version,
// 417 for an Expect other than 100-continue. It offers no hook for them (net/http server.go,
// conn.serve, writes them to the connection directly), so every client error of the proxy is JSON
// except these.
//
// They are rewritten on the connection, as the one place they all pass: jsonErrorsConn holds back
// any answer with a status of 400 or more that is written while no handler is answering a request
// on the connection (handling is set when the listener's handler starts, and cleared by the
// server's ConnState hook when the connection goes idle after the answer was sent), and writes it
// again as {"errors":[...]}. Matching the texts net/http writes, or checking requests for what
// net/http refuses before it does, would break silently with the next Go release, and text in an
// answer from Vault could be mistaken for them; knowing whether a handler is answering cannot. Each
// such answer is written whole in one write (fmt.Fprintf, or one flush of a header block), which is
// what makes rewriting it per write sound. On a TLS listener, tlsListener does the handshake so that
// HTTP/1 connections can be wrapped too (net/http serves HTTP/2 only on a *tls.Conn as is; HTTP/2
// has no such plain-text answers).
type jsonErrorsConn struct {
	net.Conn
	handling atomic.Bool
}

type jsonErrorsListener struct{ net.Listener }

// jsonErrorsFor wraps the connections of a plain listener (jsonErrorsConn).
func jsonErrorsFor(ln net.Listener) net.Listener { return jsonErrorsListener{ln} }

func (l jsonErrorsListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &jsonErrorsConn{Conn: c}, nil
}

type jsonErrorsConnKey struct{}

// connContext (http.Server.ConnContext) lets the handler find its jsonErrorsConn.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if jc, ok := errorsConn(c); ok {
		return context.WithValue(ctx, jsonErrorsConnKey{}, jc)
	}
	return ctx
}

// connState (http.Server.ConnState) ends the answer of the last request: the connection is idle,
// so what it writes next without a handler is net/http's own.
func connState(c net.Conn, s http.ConnState) {
	if jc, ok := errorsConn(c); ok && s == http.StateIdle {
		jc.handling.Store(false)
	}
}

// handlingOn marks r's connection as answering it, before anything of the answer is written.
func handlingOn(r *http.Request) {
	if jc, ok := r.Context().Value(jsonErrorsConnKey{}).(*jsonErrorsConn); ok {
		jc.handling.Store(true)
	}
}

func (c *jsonErrorsConn) Write(b []byte) (int, error) {
	if c.handling.Load() {
		return c.Conn.Write(b)
	}
	out, ok := jsonAnswer(b)
	if !ok {
		return c.Conn.Write(b)
	}
	if _, err := c.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// bareMessages say what net/http's answers that give only their status mean.
var bareMessages = map[int]string{
	http.StatusBadRequest:                  "malformed HTTP request",
	http.StatusRequestHeaderFieldsTooLarge: "the request's header block is too large",
	http.StatusExpectationFailed:           "unsupported Expect header: only 100-continue is supported",
}

// jsonAnswer rewrites a whole HTTP/1 answer of status 400 or more as {"errors":[...]} with the same
// status: the message is net/http's text, without the status it repeats. It closes the
// connection, as net/http's own answers do.
func jsonAnswer(b []byte) ([]byte, bool) {
	rest, ok := bytes.CutPrefix(b, []byte("HTTP/1."))
	if !ok || len(rest) < 6 || rest[1] != ' ' {
		return nil, false
	}
	code, err := strconv.Atoi(string(rest[2:5]))
	if err != nil || code < 400 || code > 599 {
		return nil, false
	}
	_, body, _ := bytes.Cut(b, []byte("\r\n\r\n"))
	msg := string(bytes.TrimSpace(body))
	prefix := strconv.Itoa(code) + " " + http.StatusText(code)
	if m, ok := bytes.CutPrefix([]byte(msg), []byte(prefix+": ")); ok {
		msg = string(m) // "400 Bad Request: missing required Host header"
	} else if msg == prefix || msg == "" {
		msg = bareMessages[code]
		if msg == "" {
			msg = http.StatusText(code)
		}
	}
	doc, _ := json.Marshal(struct {
		Errors []string `json:"errors"`
	}{[]string{msg}})
	doc = append(doc, '\n')
	out := "HTTP/1.1 " + prefix + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
		strconv.Itoa(len(doc)) + "\r\n\r\n"
	return append([]byte(out), doc...), true
}
