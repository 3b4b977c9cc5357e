package compile

import (
	"strings"
	"testing"
)

// TestCanonicalNamespace: the shortcuts for a namespace that is canonical already (or lacks only
// its trailing slash) give what splitting and joining gives.
func TestCanonicalNamespace(t *testing.T) {
	reference := func(ns string) string {
		var kept []string
		for _, p := range strings.Split(strings.TrimSpace(ns), "/") {
			if p != "" {
				kept = append(kept, p)
			}
		}
		if len(kept) == 0 {
			return ""
		}
		return strings.Join(kept, "/") + "/"
	}
	for _, ns := range []string{"", " ", "/", "//", "a", "a/", "/a", "a//b", "a/b", "a/b/", " a/b ", "a /b", "ns1/ ", "\ta/b\n", "a/b//", "é/", " é"} {
		if got, want := CanonicalNamespace(ns), reference(ns); got != want {
			t.Errorf("CanonicalNamespace(%q) = %q, want %q", ns, got, want)
		}
	}
}
