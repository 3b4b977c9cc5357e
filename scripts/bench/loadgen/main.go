// Command loadgen is the load generator of scripts/bench/run.sh: C concurrent connections send the
// given requests in turn, for a fixed duration, to one proxy, and it prints one JSON line with the
// request rate, p50 and p99 latency, errors, and — when -pid names the proxy process — that process's
// CPU time per request (from /proc/PID/stat) and its resident memory after the load (VmRSS).
//
// It only ever talks to the address it is given (a loopback address in run.sh), and stops by itself.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "http://127.0.0.1:8200", "base URL of the proxy (loopback only)")
	conns := flag.Int("c", 32, "concurrent connections")
	dur := flag.Duration("d", 10*time.Second, "duration of the load")
	warm := flag.Duration("warmup", 2*time.Second, "unmeasured load before the measurement")
	paths := flag.String("paths", "/v1/secret/data/bench,/v1/sys/health", "comma-separated paths, sent in turn")
	method := flag.String("method", "GET", "request method")
	body := flag.String("body", "", "request body (sent with Content-Type: application/json when not empty)")
	pid := flag.Int("pid", 0, "proxy process to measure (CPU time and RSS); 0 for none")
	name := flag.String("name", "", "label of this run")
	tokenFile := flag.String("token-file", "", "send the token in this file as X-Vault-Token (to load Vault directly)")
	summary := flag.Bool("summary", false, "read result lines on stdin and print the table and ratios")
	freePort := flag.Bool("free-port", false, "print a free TCP port on 127.0.0.1 and exit")
	useWrk := flag.Bool("wrk", false, "load with wrk (must be on PATH) instead of this program's client; see wrk.go")
	flag.Parse()
	if *freePort {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(ln.Addr().(*net.TCPAddr).Port)
		ln.Close()
		return
	}
	if *summary {
		summarize(os.Stdin, os.Stdout)
		return
	}
	if !strings.HasPrefix(*addr, "http://127.") && !strings.HasPrefix(*addr, "http://localhost") {
		fmt.Fprintln(os.Stderr, "loadgen: refusing a non-loopback address", *addr)
		os.Exit(2)
	}
	ps := strings.Split(*paths, ",")
	token := ""
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		token = strings.TrimSpace(string(b))
	}
	if *useWrk {
		res, err := wrkLoad{addr: *addr, method: *method, body: *body, token: token, paths: ps, conns: *conns}.run(*warm, *dur, *pid)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
		res["name"] = *name
		b, _ := json.Marshal(res)
		fmt.Println(string(b))
		return
	}
	tr := &http.Transport{Proxy: nil, MaxIdleConns: *conns, MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	// run loads the proxy for d and returns the latencies of each connection, the number of errors
	// (transport errors and statuses other than 200) and of answers with X-Cache: HIT.
	run := func(d time.Duration, record bool) ([][]time.Duration, int64, int64) {
		var errs, hits atomic.Int64
		lat := make([][]time.Duration, *conns)
		stop := time.Now().Add(d)
		var wg sync.WaitGroup
		for w := 0; w < *conns; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; time.Now().Before(stop); i++ {
					var rb io.Reader
					if *body != "" {
						rb = strings.NewReader(*body)
					}
					req, _ := http.NewRequest(*method, *addr+ps[i%len(ps)], rb)
					req.Header.Set("X-Vault-Request", "true")
					if rb != nil {
						req.Header.Set("Content-Type", "application/json")
					}
					if token != "" {
						req.Header.Set("X-Vault-Token", token)
					}
					start := time.Now()
					resp, err := client.Do(req)
					if err != nil {
						errs.Add(1)
						continue
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						errs.Add(1)
					}
					if record {
						lat[w] = append(lat[w], time.Since(start))
						if resp.Header.Get("X-Cache") == "HIT" {
							hits.Add(1)
						}
					}
				}
			}()
		}
		wg.Wait()
		return lat, errs.Load(), hits.Load()
	}
	run(*warm, false)
	cpu0 := cpuTicks(*pid)
	t0 := time.Now()
	lat, errs, hits := run(*dur, true)
	elapsed := time.Since(t0)
	cpu1 := cpuTicks(*pid)

	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[int(float64(len(all)-1)*p)].Microseconds()) / 1000
	}
	out := map[string]any{
		"name": *name, "requests": len(all), "errors": errs, "cache_hits": hits,
		"rps":    float64(len(all)) / elapsed.Seconds(),
		"p50_ms": pct(0.50), "p99_ms": pct(0.99),
	}
	if *pid > 0 && len(all) > 0 {
		out["cpu_us_per_req"] = float64(cpu1-cpu0) * 10000 / float64(len(all)) // ticks are 10ms (CLK_TCK 100)
		out["rss_mib"] = float64(rssKiB(*pid)) / 1024
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}

// cpuTicks returns utime+stime of a process, in clock ticks.
func cpuTicks(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.ParseInt(fields[11], 10, 64)
	k, _ := strconv.ParseInt(fields[12], 10, 64)
	return u + k
}

func rssKiB(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return 0
}

type result struct {
	Name     string  `json:"name"`
	Requests int     `json:"requests"`
	Errors   int64   `json:"errors"`
	Hits     int64   `json:"cache_hits"`
	RPS      float64 `json:"rps"`
	P50      float64 `json:"p50_ms"`
	P99      float64 `json:"p99_ms"`
	CPU      float64 `json:"cpu_us_per_req"`
	RSS      float64 `json:"rss_mib"`
}

// summarize prints the results as a table, then vaultproxy's ratios to Vault Proxy and the bare proxy.
func summarize(r io.Reader, w io.Writer) {
	// Several rounds give several lines per proxy: report the mean of each figure.
	var rows []result
	by := map[string]result{}
	n := map[string]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var x result
		if json.Unmarshal(sc.Bytes(), &x) != nil {
			continue
		}
		a, seen := by[x.Name]
		if !seen {
			rows = append(rows, result{Name: x.Name})
		}
		a.Name = x.Name
		a.Requests += x.Requests
		a.Errors += x.Errors
		a.Hits += x.Hits
		a.RPS += x.RPS
		a.P50 += x.P50
		a.P99 += x.P99
		a.CPU += x.CPU
		a.RSS += x.RSS
		by[x.Name] = a
		n[x.Name]++
	}
	for i, row := range rows {
		a, k := by[row.Name], n[row.Name]
		a.RPS, a.P50, a.P99, a.CPU, a.RSS = a.RPS/k, a.P50/k, a.P99/k, a.CPU/k, a.RSS/k
		by[row.Name], rows[i] = a, a
	}
	fmt.Fprintf(w, "\nmeans over %v rounds\n%-26s %9s %8s %8s %11s %8s %7s %7s\n", n["vaultproxy"], "proxy", "req/s", "p50 ms", "p99 ms", "CPU us/req", "RSS MiB", "errors", "hits %")
	for _, x := range rows {
		fmt.Fprintf(w, "%-26s %9.0f %8.2f %8.2f %11.1f %8.1f %7d %7.1f\n", x.Name, x.RPS, x.P50, x.P99, x.CPU, x.RSS, x.Errors, hitPercent(x))
	}
	fmt.Fprintln(w)
	ratio := func(name, otherName string) {
		v, ok := by[name]
		o, ok2 := by[otherName]
		if !ok || !ok2 {
			return
		}
		fmt.Fprintf(w, "%s / %s: rate %.2fx, p50 %.2fx, p99 %.2fx, CPU/req %.2fx, RSS %.2fx\n",
			name, otherName, v.RPS/o.RPS, v.P50/o.P50, v.P99/o.P99, v.CPU/o.CPU, v.RSS/o.RSS)
	}
	ratio("vaultproxy", "vault proxy")
	ratio("vaultproxy", "bare proxy")
	// The cache-hit rows load a cached auth/token/create: the ratio is only meaningful when (nearly)
	// every measured answer was a hit, which the hits column shows.
	ratio("vaultproxy (cache hit)", "vault proxy (cache hit)")
	ratio("vaultproxy (cache hit)", "net/http ceiling")
	ratio("vaultproxy (cache hit)", "ceiling, body read")
	fmt.Fprintln(w)
	for _, a := range aims {
		v, ok := by[a.name]
		o, ok2 := by[a.other]
		if !ok || !ok2 {
			continue
		}
		got := a.figure(v) / a.figure(o)
		met := got <= a.limit
		if a.atLeast {
			met = got >= a.limit
		}
		verdict := "met"
		if !met {
			verdict = "NOT met"
		}
		fmt.Fprintf(w, "aim %-48s %5.2fx (%s %.2fx): %s\n", a.what, got, map[bool]string{true: ">=", false: "<="}[a.atLeast], a.limit, verdict)
	}
	if v, ok := by["vaultproxy (cache hit)"]; ok {
		verdict := "met"
		if v.RSS >= 45 {
			verdict = "NOT met"
		}
		fmt.Fprintf(w, "aim %-48s %5.1f MiB (< 45 MiB): %s\n", "RSS after the cache-hit load", v.RSS, verdict)
	}
}

// aim is one performance aim of the project, a ratio of two rows' figures measured in one run.
type aim struct {
	what        string
	name, other string
	figure      func(result) float64
	limit       float64
	atLeast     bool // the ratio must be at least limit (else at most)
}

var aims = []aim{
	{"cache hits: req/s against the ceiling", "vaultproxy (cache hit)", "net/http ceiling", func(r result) float64 { return r.RPS }, 0.9, true},
	{"cache hits: CPU per request against the ceiling", "vaultproxy (cache hit)", "net/http ceiling", func(r result) float64 { return r.CPU }, 1.2, false},
	{"cache hits: p99 against the ceiling", "vaultproxy (cache hit)", "net/http ceiling", func(r result) float64 { return r.P99 }, 1.2, false},
	{"forwarding: CPU per request against Vault Proxy", "vaultproxy", "vault proxy", func(r result) float64 { return r.CPU }, 0.6, false},
	{"forwarding: CPU per request against bare proxy", "vaultproxy", "bare proxy", func(r result) float64 { return r.CPU }, 1.0, false},
}

// hitPercent is the share of measured answers that carried X-Cache: HIT.
func hitPercent(x result) float64 {
	if x.Requests == 0 {
		return 0
	}
	return 100 * float64(x.Hits) / float64(x.Requests)
}
