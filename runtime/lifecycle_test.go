package runtime

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A client that goes away cancels the request to Vault.
func TestClientDisconnectCancelsUpstream(t *testing.T) {
	cancelled := make(chan struct{})
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			close(cancelled)
		case <-time.After(10 * time.Second):
		}
	})
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.url+"/v1/sys/health", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("request did not time out")
	}
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream request was not cancelled when the client went away")
	}
}

// Shutdown lets a request in flight finish.
func TestShutdownFinishesInFlight(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		time.Sleep(500 * time.Millisecond)
		fmt.Fprint(w, `{"ok":true}`)
	})
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL))
	got := make(chan int, 1)
	go func() {
		resp, err := http.Get(s.url + "/v1/sys/health")
		if err != nil {
			got <- 0
			return
		}
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	time.Sleep(100 * time.Millisecond)
	s.rt.quitOnce.Do(func() { close(s.rt.quit) })
	select {
	case code := <-got:
		if code != 200 {
			t.Errorf("in-flight request during shutdown: %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("in-flight request never finished")
	}
}

// socket_user and socket_group apply each on its own (numeric ids; running as root changes owners).
func TestUnixSocketOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("changing a socket's owner needs root")
	}
	dir, _ := os.MkdirTemp("", "vp-own-")
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "s.sock")
	rec := newRecorder(t, nil)
	startPlan(t, planFrom(t, fmt.Sprintf(`
vault { address = "{{vault}}" }
listener "unix" {
  address      = %q
  socket_group = "65534"
  tls_disable  = true
}`, sock), rec.srv.URL))
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if st.Gid != 65534 || st.Uid != 0 {
		t.Errorf("socket owner %d:%d, want 0:65534 (socket_group alone)", st.Uid, st.Gid)
	}
}

// A pid file that cannot be written stops Run before anything is served, and the bound sockets
// are closed again (they were never handed to an http.Server).
func TestPidFileFailureClosesListeners(t *testing.T) {
	pid := filepath.Join(t.TempDir(), "missing-dir", "proxy.pid")
	p := planFrom(t, fmt.Sprintf("pid_file = %q\n", pid)+plainListener, "http://127.0.0.1:1")
	var bound []string
	rt, err := New(p, Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Listen: func(network, _ string) (net.Listener, error) {
			ln, err := net.Listen(network, "127.0.0.1:0")
			if err == nil {
				bound = append(bound, ln.Addr().String())
			}
			return ln, err
		},
		ShutdownTimeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	err = rt.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "pid_file") {
		t.Fatalf("Run: %v, want a pid_file error", err)
	}
	if len(bound) != 1 {
		t.Fatalf("bound %d listeners, want 1", len(bound))
	}
	if c, err := net.DialTimeout("tcp", bound[0], time.Second); err == nil {
		c.Close()
		t.Fatalf("%s still accepts connections after Run failed", bound[0])
	}
}
