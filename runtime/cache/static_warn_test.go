package cache

import (
	"strings"
	"testing"
	"time"
)

// TestStaticWarningsRateLimited: failed optimistic capability checks and malformed events warn
// once per warnPeriod too.
func TestStaticWarningsRateLimited(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: 20 * time.Millisecond}, nil, readers)
	h.connected(1)
	h.do("GET", "/v1/kv/data/foo", tokA, "")
	h.kv.mu.Lock()
	h.kv.capsStatus = 500
	h.kv.mu.Unlock()
	for range 5 {
		h.kv.send("not an event")
		h.kv.send(map[string]any{"data": map[string]any{"event": map[string]any{"metadata": map[string]any{
			"modified": "true", "path": "kv/data/foo", "deleted_versions": "[oops"}}}})
	}
	waitFor(t, 5*time.Second, "five failed checks and the events", func() bool {
		return h.capChecks(tokA) >= 5 && strings.Count(h.logs.String(), "deleted_versions; ignored") >= 5
	})
	logs := h.logs.String()
	if n := strings.Count(logs, `level=WARN msg="cache: capability check failed`); n != 1 || !strings.Contains(logs, "failed_checks=1") {
		t.Fatalf("failed checks warned %d times:\n%s", n, logs)
	}
	// The two kinds of malformed event share one limit: one warning between them.
	if n := strings.Count(logs, `level=WARN msg="cache: unreadable event`) + strings.Count(logs, `level=WARN msg="cache: event with unreadable`); n != 1 {
		t.Fatalf("malformed events warned %d times:\n%s", n, logs)
	}
}
