package request

import (
	"errors"
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
		got, err := JoinNamespace(tc.configured, tc.incoming)
		if tc.escape {
			if !errors.Is(err, ErrNamespaceEscape) {
				t.Errorf("JoinNamespace(%q, %q) = %q, %v; want an escape error", tc.configured, tc.incoming, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("JoinNamespace(%q, %q) = %q, %v; want %q", tc.configured, tc.incoming, got, err, tc.want)
		}
	}
}
