package runtime

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// A client that leaves Vault's answer unread loses its connection after Limits.WriteStallTimeout,
// and the connection to Vault is released: Vault's write fails. A client that reads steadily gets
// the whole answer however long it takes in all.
func TestUnreadAnswerReleasesVault(t *testing.T) {
	// More than the socket buffers between Vault and the client can hold.
	const unread, steady = 256 << 20, 8 << 20
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	vaultDone := make(chan error, 4)
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		size := steady
		if r.URL.Path == "/v1/sys/unread" {
			size = unread
		}
		w.Header().Set("Content-Length", strconv.Itoa(size))
		for sent := 0; sent < size; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				vaultDone <- err
				return
			}
		}
		vaultDone <- nil
	})
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL), withLimits(Limits{WriteStallTimeout: 300 * time.Millisecond}))

	c, err := net.Dial("tcp", s.addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(4 << 10)
	io.WriteString(c, "GET /v1/sys/unread HTTP/1.1\r\nHost: proxy\r\n\r\n")
	select {
	case err := <-vaultDone:
		if err == nil {
			t.Fatal("Vault sent the whole answer to a client that read nothing")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a client that reads nothing holds Vault's connection")
	}

	c2, err := net.Dial("tcp", s.addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	io.WriteString(c2, "GET /v1/sys/big HTTP/1.1\r\nHost: proxy\r\n\r\n")
	c2.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c2), nil)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 256<<10)
	got := 0
	for {
		n, err := resp.Body.Read(buf)
		got += n
		if err != nil {
			break
		}
		time.Sleep(20 * time.Millisecond) // slow, steady: 8 MiB in about a second
	}
	if got != steady {
		t.Errorf("a steady reader got %d of %d bytes", got, steady)
	}
}
