package cache

import (
	"bytes"
	"io"
	"net/http"
)

// reqBody is a request body read into memory, followed by whatever was not read.
type reqBody struct {
	buf  []byte
	rest io.ReadCloser // nil when buf is the whole body
}

// readBody reads req's body up to maxRequestBody. whole is false when the body is larger; the
// caller then forwards buf followed by the unread rest.
func readBody(req *http.Request) (body *reqBody, whole bool, err error) {
	if req.Body == nil || req.Body == http.NoBody {
		return &reqBody{}, true, nil
	}
	if req.ContentLength > maxRequestBody {
		return &reqBody{rest: req.Body}, false, nil
	}
	if req.ContentLength > 0 {
		// The common case: a known length, read into a buffer of exactly that size.
		buf := make([]byte, req.ContentLength)
		if _, err := io.ReadFull(req.Body, buf); err != nil {
			req.Body.Close()
			return nil, false, err
		}
		req.Body.Close()
		return &reqBody{buf: buf}, true, nil
	}
	buf, whole, err := readAtMost(req.Body, maxRequestBody)
	if err != nil {
		req.Body.Close()
		return nil, false, err
	}
	if whole {
		req.Body.Close()
		return &reqBody{buf: buf}, true, nil
	}
	return &reqBody{buf: buf, rest: req.Body}, false, nil
}

// withBody returns a shallow copy of req whose body is b (req itself is not modified).
func withBody(req *http.Request, b *reqBody) *http.Request {
	r := *req
	if b.rest != nil {
		r.Body = readCloser{io.MultiReader(bytes.NewReader(b.buf), b.rest), b.rest}
		r.GetBody = nil
		return &r
	}
	if len(b.buf) == 0 {
		r.Body = http.NoBody
		r.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
		if req.Body == nil {
			r.Body = nil
		}
		r.ContentLength = 0
		return &r
	}
	buf := b.buf
	r.Body = io.NopCloser(bytes.NewReader(buf))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
	r.ContentLength = int64(len(buf))
	return &r
}

// readAtMost reads r until EOF or until more than limit bytes arrived. whole reports EOF within
// the limit. r is not closed.
func readAtMost(r io.Reader, limit int64) (buf []byte, whole bool, err error) {
	buf, err = io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return buf, false, err
	}
	return buf, int64(len(buf)) <= limit, nil
}

// readCloser reads from Reader and closes Closer.
type readCloser struct {
	io.Reader
	io.Closer
}

// errReader fails every read with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// memBody is an in-memory response body (one allocation instead of NopCloser plus Reader).
type memBody struct{ bytes.Reader }

func newMemBody(b []byte) *memBody {
	m := &memBody{}
	m.Reset(b)
	return m
}

// Close does nothing.
func (*memBody) Close() error { return nil }
