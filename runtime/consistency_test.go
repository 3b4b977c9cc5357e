package runtime

import (
	"fmt"
	"net/http"
	"testing"
)

func consistencyPlan(t *testing.T, when, vault string) *started {
	t.Helper()
	return startPlan(t, planFrom(t, fmt.Sprintf(`
vault {
  address = "{{vault}}"
  retry { num_retries = 3 }
}
api_proxy {
  enforce_consistency = "always"
  when_inconsistent   = %q
}
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}`, when), vault))
}

// A Vault dev server does not emit X-Vault-Index, so a scripted upstream does: the first answer
// carries a state, the second request must replay it, and a 412 is handled per when_inconsistent.
func TestConsistencyReplayAndFail(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		switch n {
		case 0:
			w.Header().Set("X-Vault-Index", "state-1")
			w.WriteHeader(200)
		case 1:
			w.WriteHeader(http.StatusPreconditionFailed)
		default:
			w.WriteHeader(200)
		}
	})
	s := consistencyPlan(t, "fail", rec.srv.URL)
	do(t, "PUT", s.url+"/v1/secret/data/a", nil, `{}`)
	if got := rec.req(0).Header.Values("X-Vault-Index"); len(got) != 0 {
		t.Errorf("first request carried states %v", got)
	}
	resp, _ := do(t, "GET", s.url+"/v1/secret/data/a", nil, "")
	if got := rec.req(1).Header.Values("X-Vault-Index"); len(got) != 1 || got[0] != "state-1" {
		t.Errorf("second request carried states %v, want [state-1]", got)
	}
	if resp.StatusCode != 412 || rec.n() != 2 {
		t.Errorf("fail: status %d after %d calls, want 412 after 2 (no retry)", resp.StatusCode, rec.n())
	}
	// A request with its own consistency header passes untouched.
	do(t, "GET", s.url+"/v1/secret/data/a", http.Header{"X-Vault-Index": {"mine"}}, "")
	if got := rec.req(2).Header.Values("X-Vault-Index"); len(got) != 1 || got[0] != "mine" {
		t.Errorf("client's own index replaced: %v", got)
	}
	do(t, "GET", s.url+"/v1/secret/data/a", http.Header{"X-Vault-Inconsistent": {"fail"}}, "")
	if got := rec.req(3).Header.Values("X-Vault-Index"); len(got) != 0 || rec.req(3).Header.Get("X-Vault-Inconsistent") != "fail" {
		t.Errorf("client's own consistency headers changed: %v", rec.req(3).Header)
	}
}

func TestConsistencyRetry(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n < 2 {
			w.WriteHeader(http.StatusPreconditionFailed)
			return
		}
		w.WriteHeader(200)
	})
	s := consistencyPlan(t, "retry", rec.srv.URL)
	resp, _ := do(t, "GET", s.url+"/v1/secret/data/a", nil, "")
	if resp.StatusCode != 200 || rec.n() != 3 {
		t.Errorf("retry: status %d after %d calls, want 200 after 3", resp.StatusCode, rec.n())
	}
}

func TestConsistencyForward(t *testing.T) {
	rec := newRecorder(t, nil)
	s := consistencyPlan(t, "forward", rec.srv.URL)
	do(t, "GET", s.url+"/v1/secret/data/a", nil, "")
	if got := rec.req(0).Header.Get("X-Vault-Inconsistent"); got != "forward-active-node" {
		t.Errorf("X-Vault-Inconsistent = %q, want forward-active-node", got)
	}
}

// Without enforce_consistency a 412 is the client's to handle: no retry, no header added.
func TestConsistencyNever(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Vault-Index", "state-1")
		w.WriteHeader(http.StatusPreconditionFailed)
	})
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL))
	resp, _ := do(t, "GET", s.url+"/v1/secret/data/a", nil, "")
	do(t, "GET", s.url+"/v1/secret/data/a", nil, "")
	if resp.StatusCode != 412 || rec.n() != 2 || rec.req(1).Header.Get("X-Vault-Index") != "" {
		t.Errorf("never: status %d, %d calls, index %q", resp.StatusCode, rec.n(), rec.req(1).Header.Get("X-Vault-Index"))
	}
}
