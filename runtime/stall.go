package runtime

import (
	"net/http"
	"time"
)

// stallWriter bounds each write of Vault's answer to the client: a client that accepts none of
// the answer for timeout loses its connection, and the answer's connection to Vault is released
// (httputil.ReverseProxy aborts the request when a write fails). A client that reads steadily,
// however slowly overall and however long the answer streams, is never cut. The deadline is set
// before each write and cleared by the caller when the answer is done (net/http keeps a
// connection's write deadline across its keep-alive requests).
//
// It also holds back the status of the answer until its first byte or flush: until then nothing
// has been sent, and an answer whose body fails before it starts (Vault closed the connection or
// stalled) can still be replaced by the proxy's own error (discard). 1xx answers pass at once.
type stallWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	pending int  // the status held back, 0 when none
	sent    bool // the status went to the ResponseWriter: the answer can no longer change
}

func newStallWriter(w http.ResponseWriter, timeout time.Duration) *stallWriter {
	return &stallWriter{ResponseWriter: w, rc: http.NewResponseController(w), timeout: timeout}
}

func (s *stallWriter) WriteHeader(code int) {
	switch {
	case code < 200:
		s.ResponseWriter.WriteHeader(code)
	case !s.sent && s.pending == 0:
		s.pending = code
	}
}

// sendHeader passes the held status on.
func (s *stallWriter) sendHeader() {
	if s.sent {
		return
	}
	s.sent = true
	if s.pending != 0 {
		s.ResponseWriter.WriteHeader(s.pending)
	}
}

func (s *stallWriter) Write(b []byte) (int, error) {
	s.sendHeader()
	_ = s.rc.SetWriteDeadline(time.Now().Add(s.timeout))
	return s.ResponseWriter.Write(b)
}

// Flush sends what is buffered, within the same bound.
func (s *stallWriter) Flush() {
	s.sendHeader()
	_ = s.rc.SetWriteDeadline(time.Now().Add(s.timeout))
	_ = s.rc.Flush()
}

// discard drops the held status and the headers set for it (Connection, which the proxy sets to
// close the connection, stays) and reports whether it could: false once the status was sent.
func (s *stallWriter) discard() bool {
	if s.sent {
		return false
	}
	s.pending = 0
	h := s.Header()
	for k := range h {
		if k != "Connection" {
			delete(h, k)
		}
	}
	return true
}

// done sends a status still held (an answer without a body) and clears the write deadline.
func (s *stallWriter) done() {
	s.sendHeader()
	_ = s.rc.SetWriteDeadline(time.Time{})
}

// Unwrap lets http.ResponseController reach the connection (hijack for protocol upgrades).
func (s *stallWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
