package reqbody

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestStatus(t *testing.T) {
	r := httptest.NewRequest("POST", "/v1/x", strings.NewReader("abc"))
	r.ContentLength = 100
	cases := []struct {
		err    error
		status int
	}{
		{&http.MaxBytesError{Limit: 10}, 413},
		{fmt.Errorf("read: %w", os.ErrDeadlineExceeded), 408},
		{&net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, 408},
		{io.ErrUnexpectedEOF, 400},
		{errors.New("invalid byte in chunk length"), 400},
		{&net.OpError{Op: "read", Err: syscall.ECONNRESET}, StatusClientClosed},
		{net.ErrClosed, StatusClientClosed},
	}
	for _, c := range cases {
		if got := Status(c.err, r, 10); got.Status != c.status || got.Msg == "" {
			t.Errorf("%v: status %d (%q), want %d", c.err, got.Status, got.Msg, c.status)
		}
	}
}

func TestRead(t *testing.T) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/v1/x", strings.NewReader(`{"a":1}`))
	if b, err := Read(w, r, 7); err != nil || string(b) != `{"a":1}` {
		t.Errorf("whole body: %q %v", b, err)
	}
	r = httptest.NewRequest("POST", "/v1/x", strings.NewReader(`{"a":12}`))
	r.ContentLength = -1 // chunked: the limit is found while reading
	var e *Error
	if _, err := Read(httptest.NewRecorder(), r, 7); !errors.As(err, &e) || e.Status != 413 {
		t.Errorf("over the limit: %v", err)
	}
	w = httptest.NewRecorder()
	r = httptest.NewRequest("POST", "/v1/x", strings.NewReader(`{}`))
	r.ContentLength = 8
	if _, err := Read(w, r, 7); !errors.As(err, &e) || e.Status != 413 || w.Header().Get("Connection") != "close" {
		t.Errorf("declared over the limit: %v, Connection %q", err, w.Header().Get("Connection"))
	}
	if b, err := Read(httptest.NewRecorder(), httptest.NewRequest("GET", "/v1/x", nil), 7); b != nil || err != nil {
		t.Errorf("no body: %q %v", b, err)
	}
}
