package reqbody

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"
)

// StatusClientClosed is the status recorded (and written, for what it is worth) when the client went
// away before its request was whole: nginx's 499 "client closed request". Nothing can reach such a
// client; the status is for logs and metrics.
const StatusClientClosed = 499

// prealloc bounds what is allocated ahead from a declared Content-Length, so that a client that
// declares a large body and sends it slowly costs only what it has sent.
const prealloc = 64 << 10

// Error is a failed body read: the status it deserves and the message for the client.
type Error struct {
	Status int
	Msg    string
	Err    error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// ClientGone reports that the client went away: nothing written will reach it.
func (e *Error) ClientGone() bool { return e.Status == StatusClientClosed }

// SetDeadline sets the read deadline of r's connection (HTTP/1) or stream (HTTP/2), through
// http.ResponseController; a ResponseWriter that cannot (a test's recorder) leaves reads unbounded.
// The deadline a body is read within is the server's ReadTimeout (runtime's listeners).
func SetDeadline(w http.ResponseWriter, deadline time.Time) {
	_ = http.NewResponseController(w).SetReadDeadline(deadline)
}

// Read reads r's body whole, at most limit bytes, within the read deadline the server's ReadTimeout
// set. Nothing lifts that deadline here, as the request then waits for Vault without one: net/http
// clears an HTTP/1 connection's read deadline itself when a handler reads a body to its end, as it
// starts the connection's background read (go/src/net/http/server.go: conn.serve registers
// connReader.startBackgroundRead with registerOnHitEOF, and startBackgroundRead sets a zero read
// deadline before it reads; a deadline passing during that read would cancel the request's
// context), and an HTTP/2 stream's ReadTimeout only closes its body with an error, which does
// nothing to a body already read to its end (net/http h2_bundle.go, http2stream.onReadTimeout, and
// http2pipe.closeWithError, which keeps the first error: io.EOF). TestSlowVaultOutlivesBodyTimeout
// and TestBodyDeadlinesOverHTTP2 (in runtime) fail if either changes.
// A body over limit is refused as soon as its declared length or its bytes pass limit. It returns
// nil for a request without a body. The error, when not nil, is
// an *Error, and the connection is to be closed after the answer (see abandon).
func Read(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > limit {
		abandon(w)
		return nil, tooLarge(limit)
	}
	if r.ContentLength > 0 && r.ContentLength <= prealloc {
		return readKnown(w, r, limit)
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(min(r.ContentLength, prealloc)))
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		abandon(w)
		return nil, classify(err, r, limit)
	}
	return buf.Bytes(), nil
}

// abandon gives up on the rest of a body: the answer closes the connection (what follows on the
// wire is not a request), and reads end at once. Otherwise net/http would try to read and discard
// the rest before answering, and wait on a client that stalled.
func abandon(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	SetDeadline(w, time.Unix(1, 0))
}

// Status classifies an error met while reading a request body (by Read or by a handler reading it
// itself): 413 over the limit, 408 for a read deadline, 400 for a body that ends before its
// Content-Length or is malformed (chunked encoding), 499 when the connection was reset or closed.
func Status(err error, r *http.Request, limit int64) *Error { return classify(err, r, limit) }

func classify(err error, r *http.Request, limit int64) *Error {
	var tl *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &tl):
		return tooLarge(limit)
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return &Error{Status: http.StatusRequestTimeout, Err: err,
			Msg: "timed out reading the request body: the client sent it too slowly; nothing was sent to Vault"}
	case errors.Is(err, io.ErrUnexpectedEOF) && r.ContentLength < 0:
		return &Error{Status: http.StatusBadRequest, Err: err,
			Msg: "the chunked request body ended before its last chunk; nothing was sent to Vault"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{Status: http.StatusBadRequest, Err: err,
			Msg: fmt.Sprintf("the request body ended before its Content-Length (%d bytes); nothing was sent to Vault", r.ContentLength)}
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed):
		return &Error{Status: StatusClientClosed, Err: err, Msg: "the client closed the connection while sending the request body"}
	}
	return &Error{Status: http.StatusBadRequest, Err: err,
		Msg: "failed to read the request body: " + err.Error() + "; nothing was sent to Vault"}
}

func tooLarge(limit int64) *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge,
		Msg: fmt.Sprintf("the request body is larger than the limit of %d bytes; nothing was sent to Vault", limit)}
}
