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
type stallWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func newStallWriter(w http.ResponseWriter, timeout time.Duration) *stallWriter {
	return &stallWriter{ResponseWriter: w, rc: http.NewResponseController(w), timeout: timeout}
}

func (s *stallWriter) Write(b []byte) (int, error) {
	_ = s.rc.SetWriteDeadline(time.Now().Add(s.timeout))
	return s.ResponseWriter.Write(b)
}

// Flush sends what is buffered, within the same bound.
func (s *stallWriter) Flush() {
	_ = s.rc.SetWriteDeadline(time.Now().Add(s.timeout))
	_ = s.rc.Flush()
}

// done clears the write deadline.
func (s *stallWriter) done() { _ = s.rc.SetWriteDeadline(time.Time{}) }

// Unwrap lets http.ResponseController reach the connection (hijack for protocol upgrades).
func (s *stallWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
