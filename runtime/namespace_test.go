package runtime

import (
	"errors"
	"net/http"
	"testing"
)

func TestJoinNamespace(t *testing.T) {
	tests := []struct {
		configured, incoming, want string
		escape                     bool
	}{
		{"org-a/", "", "org-a/", false},
		{"org-a/", "team-1", "org-a/team-1/", false},
		{"org-a/", "team-1/", "org-a/team-1/", false},
		{"org-a/", "team-1/sub", "org-a/team-1/sub/", false},
		{"org-a/", "team-1//sub/", "org-a/team-1/sub/", false},
		{"org-a/b/", "c", "org-a/b/c/", false},
		{"org-a/", "..", "", true},
		{"org-a/", "../org-b", "", true},
		{"org-a/", "team-1/../../org-b", "", true},
		{"org-a/", "./team-1", "", true},
		{"org-a/", "/org-b", "", true},
		{"org-a/", " /org-b", "", true},
	}
	for _, tc := range tests {
		got, err := joinNamespace(tc.configured, tc.incoming)
		if tc.escape {
			if !errors.Is(err, errNamespaceEscape) {
				t.Errorf("joinNamespace(%q, %q) = %q, %v; want an escape error", tc.configured, tc.incoming, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("joinNamespace(%q, %q) = %q, %v; want %q", tc.configured, tc.incoming, got, err, tc.want)
		}
	}
}

func TestOutgoingNamespace(t *testing.T) {
	h := http.Header{"X-Vault-Namespace": {"team-1"}}
	if _, set, err := outgoingNamespace(false, "org-a/", h); set || err != nil {
		t.Errorf("without prepending the header must pass as it came; set=%v err=%v", set, err)
	}
	if _, set, err := outgoingNamespace(true, "", h); set || err != nil {
		t.Errorf("with nothing configured the header must pass as it came; set=%v err=%v", set, err)
	}
	if ns, set, err := outgoingNamespace(true, "org-a/", h); !set || err != nil || ns != "org-a/team-1/" {
		t.Errorf("prepending: got %q set=%v err=%v", ns, set, err)
	}
	if ns, set, err := outgoingNamespace(true, "org-a/", http.Header{}); !set || err != nil || ns != "org-a/" {
		t.Errorf("prepending with no header: got %q set=%v err=%v", ns, set, err)
	}
}
