package autoauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// testMetadataTimeout is the bound the tests give metadata requests instead of metadataTimeout.
const testMetadataTimeout = 200 * time.Millisecond

// shortMetadataTimeout sets metadataTimeout to testMetadataTimeout for the test.
func shortMetadataTimeout(t *testing.T) {
	old := metadataTimeout
	metadataTimeout = testMetadataTimeout
	t.Cleanup(func() { metadataTimeout = old })
}

// stalling wraps a metadata stand-in: while stalled, it accepts each request and never answers it
// (the handler returns only when the client gives up and closes the connection); once answer is
// called, next answers.
type stalling struct {
	next http.Handler
	// abandon ends the held requests without an answer when a test gives up waiting for the
	// client to (within), so that closing the server does not wait on them forever.
	abandon     chan struct{}
	abandonOnce sync.Once

	mu      sync.Mutex
	stalled bool
	seen    int // requests held unanswered
}

func stall(next http.Handler) *stalling {
	return &stalling{next: next, stalled: true, abandon: make(chan struct{})}
}

func (s *stalling) answer() {
	s.mu.Lock()
	s.stalled = false
	s.mu.Unlock()
}

func (s *stalling) held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen
}

func (s *stalling) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	stalled := s.stalled
	if stalled {
		s.seen++
	}
	s.mu.Unlock()
	if stalled {
		select {
		case <-r.Context().Done():
		case <-s.abandon:
		}
		return
	}
	s.next.ServeHTTP(w, r)
}

// within runs f and fails the test if it has not returned after a generous while: without a
// bound, a stalled metadata request never returns, and the test says so instead of hanging until
// go test's own timeout. Then s (when not nil) abandons the requests it holds.
func within[T any](t *testing.T, s *stalling, what string, f func() (T, error)) (T, error) {
	t.Helper()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-time.After(30 * time.Second):
		if s != nil {
			s.abandonOnce.Do(func() { close(s.abandon) })
		}
		t.Fatalf("%s still waits on the stalled metadata service after 30s (bound %s)", what, metadataTimeout)
		panic("unreachable")
	}
}

// wantMetadataTimeout checks that err is the bound's: it names the metadata URL and the bound.
func wantMetadataTimeout(t *testing.T, err error, url string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error from a metadata service that never answers")
	}
	if msg := err.Error(); !strings.Contains(msg, url) ||
		!strings.Contains(msg, "the metadata service did not answer within "+testMetadataTimeout.String()) {
		t.Errorf("error %q, want one naming %s and the bound %s", msg, url, testMetadataTimeout)
	}
}

// A metadata service that sends its headers and then stalls the body fails the read at the
// bound, with the URL and the bound; a request ended by its own context is not called the
// bound's doing.
func TestMetadataClientBounds(t *testing.T) {
	shortMetadataTimeout(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/body" {
			w.WriteHeader(http.StatusOK)
			fmt.Fprint(w, "partial")
			w.(http.Flusher).Flush()
		}
		<-r.Context().Done()
	}))
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/body", nil)
	resp, err := newMetadataClient(nil).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := within(t, nil, "reading the body", func() ([]byte, error) { return io.ReadAll(resp.Body) })
	resp.Body.Close()
	if string(b) != "partial" || err == nil || !strings.Contains(err.Error(), srv.URL+"/body") ||
		!strings.Contains(err.Error(), "did not finish it within "+testMetadataTimeout.String()) {
		t.Errorf("stalled body: read %q, error %v", b, err)
	}

	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/headers", nil)
	_, err = within(t, nil, "the request", func() (*http.Response, error) { return newMetadataClient(nil).Do(req) })
	wantMetadataTimeout(t, err, srv.URL+"/headers")

	ctx, cancel := context.WithTimeout(context.Background(), testMetadataTimeout/4)
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/headers", nil)
	_, err = within(t, nil, "the request", func() (*http.Response, error) { return newMetadataClient(nil).Do(req) })
	if !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "metadata service") {
		t.Errorf("request ended by its context: %v", err)
	}
}
