package runtime

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// BenchmarkHitTCP is BenchmarkHit over real connections (issue 12): conns keep-alive connections
// on loopback send the cached POST /v1/auth/token/create to a running listener (its whole stack:
// connection limits, JSON errors, net/http) and, in the same run, to a bare net/http server that
// writes the hit's bytes without looking at the request (the ceiling of scripts/bench/ceiling).
// The client is a minimal one, writing fixed bytes and reading each answer by its Content-Length,
// so that most of the CPU time is the servers'. The vaultproxy cases report their ratios to the
// ceiling's last run (x-ceiling-ns, x-ceiling-cpu), so one `go test -bench HitTCP` prints them.
func BenchmarkHitTCP(b *testing.B) {
	hb := startHitBench(b)
	defer hb.stop()
	req := []byte("POST /v1/auth/token/create HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: loadgen\r\n" +
		"Content-Type: application/json\r\nX-Vault-Token: T_AUTO\r\nContent-Length: 12\r\n\r\n" + `{"ttl":"1h"}`)
	// The first request is the miss that stores the answer; the second's answer is the ceiling's.
	prime := func(want string) (int, http.Header, []byte) {
		c, err := net.Dial("tcp", hb.addr)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			b.Fatal(err)
		}
		var body bytes.Buffer
		_, _ = body.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Cache") != want {
			b.Fatalf("%d X-Cache %q, want 200 %s: %s", resp.StatusCode, resp.Header.Get("X-Cache"), want, body.Bytes())
		}
		return resp.StatusCode, resp.Header, body.Bytes()
	}
	prime("MISS")
	status, header, body := prime("HIT")
	header.Del("Date") // net/http writes its own
	ceilingLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ceiling := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		for k, v := range header {
			h[k] = v
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})}
	go func() { _ = ceiling.Serve(ceilingLn) }()
	defer ceiling.Close()

	const conns = 16
	var ceilingNs, ceilingCPU float64
	for _, c := range []struct{ name, addr string }{
		{"ceiling", ceilingLn.Addr().String()},
		{"vaultproxy", hb.addr},
	} {
		b.Run(c.name, func(b *testing.B) {
			clients := make([]*tcpClient, conns)
			for i := range clients {
				cl, err := dialTCPClient(c.addr, req)
				if err != nil {
					b.Fatal(err)
				}
				defer cl.c.Close()
				clients[i] = cl
			}
			b.ReportAllocs()
			var left atomic.Int64
			left.Store(int64(b.N))
			var wg sync.WaitGroup
			var failed atomic.Value
			b.ResetTimer()
			cpu, sw := processCPU(), contextSwitches()
			for _, cl := range clients {
				wg.Go(func() {
					for left.Add(-1) >= 0 {
						if err := cl.roundTrip(); err != nil {
							failed.Store(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			cpuOp := float64(processCPU()-cpu) / float64(b.N)
			swOp := float64(contextSwitches()-sw) / float64(b.N)
			if err, _ := failed.Load().(error); err != nil {
				b.Fatal(err)
			}
			for _, cl := range clients {
				if cl.n > 0 && !cl.hit() { // with a small b.N, some clients send nothing
					b.Fatalf("the last answer was not a hit: %q", cl.last())
				}
			}
			nsOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(cpuOp, "cpu-ns/op")
			b.ReportMetric(swOp, "ctxsw/op")
			if c.name == "ceiling" {
				ceilingNs, ceilingCPU = nsOp, cpuOp
			} else if ceilingNs > 0 {
				b.ReportMetric(nsOp/ceilingNs, "x-ceiling-ns")
				b.ReportMetric(cpuOp/ceilingCPU, "x-ceiling-cpu")
			}
		})
	}
}

// contextSwitches is the count of the process's threads' context switches, voluntary (a thread
// that blocked: a parked goroutine's M going to sleep, a futex wait) and not: the wakeups and
// handoffs a request costs beyond its system calls.
func contextSwitches() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Nvcsw + ru.Nivcsw
}

// tcpClient sends one fixed request at a time on a keep-alive connection and reads each answer
// whole, by its Content-Length, without allocating.
type tcpClient struct {
	c   net.Conn
	req []byte
	buf []byte
	n   int // the length of the last answer in buf
}

func dialTCPClient(addr string, req []byte) (*tcpClient, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &tcpClient{c: c, req: req, buf: make([]byte, 16<<10)}, nil
}

var (
	crlf2         = []byte("\r\n\r\n")
	contentLength = []byte("\r\nContent-Length: ")
	xCacheHit     = []byte("\r\nX-Cache: HIT\r\n")
)

func (t *tcpClient) roundTrip() error {
	if _, err := t.c.Write(t.req); err != nil {
		return err
	}
	n := 0
	for {
		m, err := t.c.Read(t.buf[n:])
		if err != nil {
			return err
		}
		n += m
		end := bytes.Index(t.buf[:n], crlf2)
		if end < 0 {
			continue
		}
		head := t.buf[:end]
		i := bytes.Index(head, contentLength)
		if i < 0 {
			return &net.AddrError{Err: "answer without Content-Length: " + string(head)}
		}
		rest := head[i+len(contentLength):]
		if j := bytes.IndexByte(rest, '\r'); j >= 0 {
			rest = rest[:j]
		}
		cl, err := strconv.Atoi(string(rest))
		if err != nil {
			return err
		}
		want := end + 4 + cl
		for n < want {
			m, err := t.c.Read(t.buf[n:])
			if err != nil {
				return err
			}
			n += m
		}
		t.n = n
		return nil
	}
}

func (t *tcpClient) last() []byte { return t.buf[:t.n] }
func (t *tcpClient) hit() bool {
	head, _, _ := bytes.Cut(t.last(), crlf2)
	return bytes.HasPrefix(head, []byte("HTTP/1.1 200 ")) && (bytes.Contains(head, xCacheHit) || bytes.HasSuffix(head, xCacheHit[:len(xCacheHit)-2]))
}
