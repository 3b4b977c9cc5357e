package runtime

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// The alicloud method runs in the proxy: with credentials from ALICLOUD_ACCESS_KEY and
// ALICLOUD_SECRET_KEY it logs in to a scripted Vault (no real Vault can check the request: it
// would send it to Alibaba Cloud) with a GetCallerIdentity request for the region, signed by that
// key, and a request through the listener carries the token it got. (runtime/autoauth's tests
// verify the signature and compare the login with vault proxy's.)
func TestAliCloudAutoAuthRun(t *testing.T) {
	for _, k := range []string{"ALICLOUD_ACCESS_KEY_STS_TOKEN", "ALICLOUD_ROLE_ARN", "ALICLOUD_ROLE_NAME", "ALICLOUD_PRIVATE_KEY"} {
		t.Setenv(k, "")
	}
	t.Setenv("ALICLOUD_ACCESS_KEY", "LTAIrun")
	t.Setenv("ALICLOUD_SECRET_KEY", "run-secret")
	var loginErr atomic.Value // the body of a refused login
	var rec *recorder
	rec = newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/auth/alicloud-eu/login":
			var body map[string]string
			rec.mu.Lock()
			b := rec.body[n]
			rec.mu.Unlock()
			_ = json.Unmarshal([]byte(b), &body)
			raw, _ := base64.StdEncoding.DecodeString(body["identity_request_url"])
			u, _ := url.Parse(string(raw))
			if q := u.Query(); body["role"] != "web" || u.Host != "sts.eu-central-1.aliyuncs.com" || q.Get("Action") != "GetCallerIdentity" ||
				q.Get("AccessKeyId") != "LTAIrun" || q.Get("Signature") == "" || body["identity_request_headers"] == "" {
				loginErr.Store(b)
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"errors":["bad login"]}`)
				return
			}
			fmt.Fprint(w, `{"auth":{"client_token":"T_ALICLOUD","renewable":false,"lease_duration":3600}}`)
		case "/v1/secret/data/app":
			if r.Header.Get("X-Vault-Token") != "T_ALICLOUD" {
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprint(w, `{"errors":["permission denied"]}`)
				return
			}
			fmt.Fprint(w, `{"data":{"data":{"color":"green"}}}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"errors":[]}`)
		}
	})
	sink := filepath.Join(t.TempDir(), "sink")
	s := startPlan(t, planFrom(t, fmt.Sprintf(`
vault { address = "{{vault}}" }
auto_auth {
  method "alicloud" {
    mount_path = "auth/alicloud-eu"
    config = {
      role   = "web"
      region = "eu-central-1"
    }
  }
  sink "file" {
    config = { path = %q }
  }
}
api_proxy { use_auto_auth_token = true }
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}`, sink), rec.srv.URL))
	if tok := waitSink(t, sink, ""); tok != "T_ALICLOUD" {
		t.Fatalf("sink holds %q (a refused login: %v)", tok, loginErr.Load())
	}
	resp, err := http.Get(s.url + "/v1/secret/data/app")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"color":"green"`) {
		t.Errorf("proxied read with the auto-auth token: %d %s", resp.StatusCode, body)
	}
}
