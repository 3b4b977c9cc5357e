package runtime

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

// After Run returns, nothing of the Runtime runs on (auto-auth, the lease cache, the readiness
// check, the listeners), and its connections to Vault are closed too, while Vault (here the
// recorder) keeps its side open.
func TestRunLeavesNoGoroutine(t *testing.T) {
	rec := newRecorder(t, nil)
	tokenFile := cacheTokenFile(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s := startPlan(t, planFrom(t, cachePlanHCL(tokenFile, "use_auto_auth_token = true", "cache {}", ""), rec.srv.URL))
	if resp, body := do(t, "GET", s.url+"/v1/secret/data/x", nil, ""); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if code, b := readyAnswer(t, s.url, nil); code != 200 {
		t.Fatalf("ready: %d %+v", code, b)
	}
	s.rt.quitOnce.Do(func() { close(s.rt.quit) })
	select {
	case err := <-s.done:
		s.done <- err // for startPlan's cleanup
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
}
