package testproc

import (
	"fmt"
	"runtime"
	"testing"
)

// recorder is a testing.TB that records Fatalf and Skip; like testing's, both end the goroutine.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, a ...any) {
	r.fatal = fmt.Sprintf(format, a...)
	runtime.Goexit()
}
func (r *recorder) Skip(a ...any) { r.skip = fmt.Sprint(a...); runtime.Goexit() }

func TestUnavailable(t *testing.T) {
	tests := []struct {
		ci, fatal, skip string
	}{
		{ci: "", skip: "slapd not found at /x"},
		{ci: "true", fatal: "ldaptest: slapd not found at /x; CI is set, so tests that need slapd fail instead of skipping"},
	}
	for _, tt := range tests {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			r := &recorder{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				Unavailable(r, "ldaptest", "slapd", "slapd not found at /x")
			}()
			<-done
			if r.fatal != tt.fatal || r.skip != tt.skip {
				t.Errorf("Fatalf %q, Skip %q; want %q, %q", r.fatal, r.skip, tt.fatal, tt.skip)
			}
		})
	}
}

func TestFreePort(t *testing.T) {
	port, err := FreePort()
	if err != nil || port <= 0 || port > 65535 {
		t.Fatalf("FreePort() = %d, %v", port, err)
	}
}
