package cache

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"time"
)

// A cached token or lease is served with the time it has left, not the time it had when Vault
// created it: the answer's lease duration (auth.lease_duration for a token, lease_duration for a
// lease) is rewritten on every hit to the whole seconds until the entry's expiry, which each
// renewal moves (renew.go). Vault Proxy serves the stored answer unchanged, only adding Age
// (hashicorp/vault command/agentproxyshared/cache/lease_cache.go, checkCacheForRequest), so a
// client that trusts lease_duration may use a credential Vault has already revoked at its max TTL;
// docs/differences-runtime.md.

// span is the byte range of a JSON number in a stored body; the zero span is none.
type span struct{ start, end int }

func (s span) ok() bool { return s.end > s.start }

// durationSpan finds, in body, the number the client reads as the lease's remaining time: the
// top-level lease_duration (kind lease) or auth.lease_duration (kind token). The zero span when
// there is none or it is not a plain integer, in which case the body is served as stored.
func durationSpan(body []byte, kind entryKind) span {
	var want []string
	switch kind {
	case kindToken:
		want = []string{"auth", "lease_duration"}
	case kindLease:
		want = []string{"lease_duration"}
	default:
		return span{}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	// frame is an object or array being read; in an object, key is the member whose value is next
	// (or being read) and wantKey says a key comes next.
	type frame struct {
		object  bool
		wantKey bool
		key     string
	}
	var stack []frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
	at := func() bool { // the value about to be read is at want
		if len(stack) != len(want) {
			return false
		}
		for i, f := range stack {
			if !f.object || f.key != want[i] {
				return false
			}
		}
		return true
	}
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			return span{}
		}
		if err != nil {
			return span{}
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
			if k, ok := tok.(string); ok {
				stack[n-1].key, stack[n-1].wantKey = k, false
				continue
			}
			// '}' closing the object.
			stack = stack[:n-1]
			valueDone()
			continue
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{object: true, wantKey: true})
			case '[':
				stack = append(stack, frame{})
			default: // ']' (a '}' is read where a key is wanted, above)
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case json.Number:
			if at() {
				end := int(dec.InputOffset())
				start := int(before)
				for start < end && bytes.IndexByte([]byte(" \t\r\n:,"), body[start]) >= 0 {
					start++
				}
				if _, err := strconv.ParseInt(string(body[start:end]), 10, 64); err != nil {
					return span{}
				}
				return span{start, end}
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

// secondsLeft is the whole seconds from now until expires, rounded down: the time a client may
// count on. 0 means the entry is not to be served.
func secondsLeft(now, expires time.Time) int64 {
	return max(int64(expires.Sub(now)/time.Second), 0)
}

// withDuration returns body with the number at s replaced by secs (body itself is not modified).
func withDuration(body []byte, s span, secs int64) []byte {
	n := strconv.AppendInt(nil, secs, 10)
	out := make([]byte, 0, len(body)-(s.end-s.start)+len(n))
	out = append(out, body[:s.start]...)
	out = append(out, n...)
	return append(out, body[s.end:]...)
}
