// Command soak is the load generator of scripts/soak.sh: C workers send the given paths in turn to
// one proxy for a fixed duration, while the script kills and restarts Vault and sends the proxy
// SIGHUP. It prints one JSON line: requests, failures by kind, p50, p99 and max latency.
//
// A failure is expected when it is a 502, 503 or 504 (Vault unreachable, as the proxy says) while
// the -down file exists (the script creates it before killing Vault and removes it once Vault
// answers again) or within -grace of its removal; any other failure, or one while Vault is up, is
// unexpected. It only ever talks to the address it is given (loopback in soak.sh), and stops by itself.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "http://127.0.0.1:8100", "base URL of the proxy (loopback only)")
	conns := flag.Int("c", 8, "concurrent workers")
	dur := flag.Duration("d", 60*time.Second, "duration of the load")
	paths := flag.String("paths", "/v1/sys/health,/v1/auth/token/lookup-self", "comma-separated paths, sent in turn; a path prefixed POST: is sent as a POST with an empty JSON body")
	down := flag.String("down", "", "file whose presence means Vault is down on purpose")
	grace := flag.Duration("grace", 3*time.Second, "time after Vault is back during which 502/503/504 are still expected")
	timeout := flag.Duration("timeout", 70*time.Second, "client timeout of each request")
	flag.Parse()
	if !strings.HasPrefix(*addr, "http://127.0.0.1:") {
		fmt.Fprintln(os.Stderr, "soak: -addr must be a loopback http://127.0.0.1:PORT URL")
		os.Exit(2)
	}

	w := newWindow(*down, *grace)
	client := &http.Client{Timeout: *timeout, Transport: &http.Transport{MaxIdleConnsPerHost: *conns}}
	ps := strings.Split(*paths, ",")
	deadline := time.Now().Add(*dur)
	var wg sync.WaitGroup
	results := make([]*stats, *conns)
	for i := range *conns {
		s := &stats{kinds: map[string]int{}}
		results[i] = s
		wg.Go(func() {
			for n := i; time.Now().Before(deadline); n++ {
				s.record(do(client, *addr, ps[n%len(ps)]), w)
			}
		})
	}
	stop := make(chan struct{})
	go w.poll(stop)
	wg.Wait()
	close(stop)
	all := &stats{kinds: map[string]int{}}
	for _, s := range results {
		all.merge(s)
	}
	json.NewEncoder(os.Stdout).Encode(all.report())
}

// outcome is one request's: its status (0 for a transport error), error and latency.
type outcome struct {
	status  int
	err     error
	latency time.Duration
}

func do(c *http.Client, addr, path string) outcome {
	method, body := http.MethodGet, io.Reader(nil)
	if p, ok := strings.CutPrefix(path, "POST:"); ok {
		path, method, body = p, http.MethodPost, strings.NewReader("{}")
	}
	req, _ := http.NewRequest(method, addr+path, body)
	start := time.Now()
	resp, err := c.Do(req)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	o := outcome{err: err, latency: time.Since(start)}
	if resp != nil {
		o.status = resp.StatusCode
	}
	return o
}

// window tells whether Vault is down on purpose, or came back less than grace ago.
type window struct {
	file    string
	grace   time.Duration
	downNow atomic.Bool
	upAt    atomic.Int64 // unix nanoseconds of the last removal of file
}

func newWindow(file string, grace time.Duration) *window { return &window{file: file, grace: grace} }

func (w *window) poll(stop <-chan struct{}) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if w.file == "" {
			continue
		}
		_, err := os.Stat(w.file)
		isDown := err == nil
		if w.downNow.Swap(isDown) && !isDown {
			w.upAt.Store(time.Now().UnixNano())
		}
	}
}

func (w *window) expected() bool {
	return w.downNow.Load() || time.Since(time.Unix(0, w.upAt.Load())) < w.grace
}

type stats struct {
	n         int
	kinds     map[string]int
	latencies []time.Duration
}

func (s *stats) record(o outcome, w *window) {
	s.n++
	s.latencies = append(s.latencies, o.latency)
	switch {
	case o.err != nil:
		s.kinds["unexpected: transport error"]++
	case o.status < 400:
		s.kinds["ok"]++
	case (o.status == 502 || o.status == 503 || o.status == 504) && w.expected():
		s.kinds[fmt.Sprintf("expected: %d while Vault down", o.status)]++
	default:
		s.kinds[fmt.Sprintf("unexpected: %d", o.status)]++
	}
}

func (s *stats) merge(o *stats) {
	s.n += o.n
	for k, v := range o.kinds {
		s.kinds[k] += v
	}
	s.latencies = append(s.latencies, o.latencies...)
}

type report struct {
	Requests   int            `json:"requests"`
	Kinds      map[string]int `json:"kinds"`
	Unexpected int            `json:"unexpected"`
	P50        string         `json:"p50"`
	P99        string         `json:"p99"`
	Max        string         `json:"max"`
	MaxNanos   int64          `json:"max_ns"`
}

func (s *stats) report() report {
	slices.Sort(s.latencies)
	at := func(q float64) time.Duration {
		if len(s.latencies) == 0 {
			return 0
		}
		return s.latencies[min(len(s.latencies)-1, int(q*float64(len(s.latencies))))]
	}
	r := report{Requests: s.n, Kinds: s.kinds, P50: at(0.50).String(), P99: at(0.99).String()}
	if len(s.latencies) > 0 {
		r.Max = s.latencies[len(s.latencies)-1].String()
		r.MaxNanos = int64(s.latencies[len(s.latencies)-1])
	}
	for k, v := range s.kinds {
		if strings.HasPrefix(k, "unexpected") {
			r.Unexpected += v
		}
	}
	return r
}
