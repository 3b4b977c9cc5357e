package reqbody

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestReadKnownLength: a body of declared length is read into a buffer of that length; one that
// ends early is a 400 that closes the connection, as on the way for bodies of unknown length.
func TestReadKnownLength(t *testing.T) {
	for _, c := range []struct {
		name, body string
		length     int64
		want       string
		status     int
	}{
		{name: "whole", body: `{"ttl":"1h"}`, length: 12, want: `{"ttl":"1h"}`},
		{name: "short", body: `{"ttl"`, length: 12, status: 400},
		{name: "empty", body: ``, length: 12, status: 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			r := httptest.NewRequest("POST", "/v1/x", strings.NewReader(c.body))
			r.ContentLength = c.length
			b, err := Read(w, r, 1<<20)
			var e *Error
			switch {
			case c.status == 0 && (err != nil || string(b) != c.want || cap(b) != len(c.want)):
				t.Errorf("%q (cap %d) %v, want %q", b, cap(b), err, c.want)
			case c.status != 0 && (!errors.As(err, &e) || e.Status != c.status || w.Header().Get("Connection") != "close" ||
				!strings.Contains(e.Msg, "ended before its Content-Length (12 bytes)")):
				t.Errorf("%v, Connection %q; want %d", err, w.Header().Get("Connection"), c.status)
			}
		})
	}
}
