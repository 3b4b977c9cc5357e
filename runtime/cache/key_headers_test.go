package cache

import (
	"bytes"
	"math/rand/v2"
	"net/http"
	"slices"
	"testing"
)

// oldAppendHeaders is appendHeaders before it canonicalised each name once (f69ac7f): the key bytes
// persisted cache files were written under. appendHeaders must produce the same bytes for every
// header map, canonical names or not, names that differ only in case, invalid bytes, dropped names.
func oldAppendHeaders(b []byte, hdr http.Header, drop []string) []byte {
	var arr [maxSortedHeaders]string
	names := arr[:0]
	for name := range hdr {
		if keyExcludedHeaders[name] { // most names come canonical: no need to canonicalise them
			continue
		}
		canon := http.CanonicalHeaderKey(name)
		if !keyExcludedHeaders[canon] && !slices.Contains(drop, canon) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return appendField(b, "")
	}
	slices.Sort(names)
	b = appendCountField(b, len(names))
	for _, name := range names {
		b = appendField(b, http.CanonicalHeaderKey(name))
		vals := hdr[name]
		b = appendCountField(b, len(vals))
		for _, v := range vals {
			b = appendField(b, v)
		}
	}
	return b
}

// TestAppendHeadersSameBytesAsBefore compares the two over 20,000 random header maps.
func TestAppendHeadersSameBytesAsBefore(t *testing.T) {
	names := []string{"X-Foo", "x-foo", "X-FOO", "x-Foo", "Accept", "accept", "ACCEPT", "Content-Length", "content-length",
		"X-Vault-Namespace", "x-vault-namespace", "x_foo", "X Foo", "x-fö", "\xff", "", "a", "A", "zz", "Zz", "x-bar", "X-Bar",
		"Authorization", "authorization", "X-Vault-Token", "x-vault-token", "connection", "Connection", "Proxy-Authorization"}
	drops := [][]string{nil, {"X-Foo"}, {"x-foo"}, {"Authorization", "X-Vault-Token"}, {"X-Bar", "Zz", "A"}}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		h := http.Header{}
		n := r.IntN(45)
		for j := 0; j < n; j++ {
			var name string
			if r.IntN(3) == 0 {
				name = "X-H" + string(rune('a'+r.IntN(26))) + string(rune('A'+r.IntN(26)))
			} else {
				name = names[r.IntN(len(names))]
			}
			vals := make([]string, r.IntN(3))
			for k := range vals {
				vals[k] = string(rune('a' + r.IntN(3)))
			}
			if r.IntN(10) == 0 {
				vals = nil
			}
			h[name] = vals
		}
		drop := drops[r.IntN(len(drops))]
		got, want := appendHeaders(nil, h, drop), oldAppendHeaders(nil, h, drop)
		if !bytes.Equal(got, want) {
			t.Fatalf("header map %q drop %q:\n got %q\nwant %q", h, drop, got, want)
		}
	}
}
