package cache

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
)

// maxSharedBody bounds the answer of an unreachable Vault (a gateway's or a sealed Vault's error
// page) that a leader keeps for its followers; a larger one is not shared.
const maxSharedBody = 64 << 10

// flight is the leader's round trip for a key that identical requests wait for (Cache.cached).
// Its fields are written by the leader before done is closed and only read after.
//
// When the leader found Vault unreachable, its followers get the same outcome rather than each
// forwarding in turn: a follower that waited for a leader whose connections were refused for the
// forwarder's dial retry budget would wait that long again on its own, so a burst of identical
// requests while Vault is down took twice the budget (and failed a client with a shorter timeout)
// instead of getting the bounded 502/503 answer, or the stale one, that the leader got.
type flight struct {
	done chan struct{}
	down bool // the leader found Vault unreachable (unreachable)

	err    error // the leader's transport error
	status int   // else the leader's 502, 503 or 504, with header and body
	header http.Header
	body   []byte
}

// noteDown records, on a leader's flight, that Vault could not be reached with resp or err, and
// returns resp, whose body may have been read into memory. A nil flight (a follower's own round
// trip) records nothing.
func (f *flight) noteDown(resp *http.Response, err error) *http.Response {
	if f == nil {
		return resp
	}
	f.down = true
	switch {
	case err != nil:
		f.err = err
	case resp != nil:
		buf, whole, rerr := readAtMost(resp.Body, maxSharedBody)
		if rerr != nil || !whole {
			resp.Body = readCloser{io.MultiReader(bytes.NewReader(buf), errOrRest(rerr, resp.Body)), resp.Body}
			return resp
		}
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(buf))
		f.status, f.header, f.body = resp.StatusCode, resp.Header.Clone(), buf
	}
	return resp
}

// errOrRest is what follows the part of a body already read: the read error, or the rest.
func errOrRest(err error, rest io.Reader) io.Reader {
	if err != nil {
		return errReader{err}
	}
	return rest
}

// shared is a follower's answer when its leader found Vault unreachable: a stale answer when one
// may be served (stale.go), else the leader's error or a copy of its answer, marked X-Cache: MISS
// as the leader's. Nil and nil when the leader reached Vault, or its answer was not kept: the
// follower then forwards on its own.
func (c *Cache) shared(f *flight, req *http.Request, key cacheKey, sr *staticReq) (*http.Response, error) {
	if !f.down {
		return nil, nil
	}
	if sr == nil {
		if st := c.staleResponse(req, key); st != nil {
			return st, nil
		}
	}
	if f.err != nil {
		return nil, f.err
	}
	if f.status == 0 {
		return nil, nil
	}
	h := f.header.Clone()
	h.Set(headerCache, "MISS")
	return &http.Response{
		Status:        strconv.Itoa(f.status) + " " + http.StatusText(f.status),
		StatusCode:    f.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          newMemBody(f.body),
		ContentLength: int64(len(f.body)),
		Request:       req,
	}, nil
}
