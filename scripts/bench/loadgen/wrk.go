package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// wrkLoad is the -wrk mode: the load comes from wrk (Debian's package), whose C event loop spends
// far less CPU per request than this program's net/http client. On two cores the load generator
// shares the machine with the proxy, so a costly client flattens the difference between two
// proxies; with wrk the figures say more about the proxies themselves.
//
// wrk runs the warm-up, then the measured load (--latency for p50 and p99), with a Lua script that
// sets the method, body and headers. wrk cannot count X-Cache headers cheaply, so hits are sampled
// instead: sampleHits requests are sent after the load with this program's client.
type wrkLoad struct {
	addr, method, body, token string
	paths                     []string
	conns                     int
}

const sampleHits = 50

// run returns the figures of a load of duration d (after warm), as the JSON line's fields.
func (w wrkLoad) run(warm, d time.Duration, pid int) (map[string]any, error) {
	if len(w.paths) != 1 {
		return nil, fmt.Errorf("-wrk loads one path, got %d", len(w.paths))
	}
	dir, err := os.MkdirTemp("", "loadgen-wrk-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "request.lua")
	lua := fmt.Sprintf("wrk.method = %q\nwrk.headers[\"X-Vault-Request\"] = \"true\"\n", w.method)
	if w.body != "" {
		lua += fmt.Sprintf("wrk.body = %q\nwrk.headers[\"Content-Type\"] = \"application/json\"\n", w.body)
	}
	if w.token != "" {
		lua += fmt.Sprintf("wrk.headers[\"X-Vault-Token\"] = %q\n", w.token)
	}
	if err := os.WriteFile(script, []byte(lua), 0o600); err != nil {
		return nil, err
	}
	url := w.addr + w.paths[0]
	wrk := func(d time.Duration) (string, error) {
		out, err := exec.Command("wrk", "-t2", "-c"+strconv.Itoa(w.conns), "-d"+d.String(), "--latency", "-s", script, url).CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("wrk: %v: %s", err, out)
		}
		return string(out), nil
	}
	if warm > 0 {
		if _, err := wrk(warm); err != nil {
			return nil, err
		}
	}
	cpu0 := cpuTicks(pid)
	out, err := wrk(d)
	cpu1 := cpuTicks(pid)
	if err != nil {
		return nil, err
	}
	requests, err := wrkInt(out, `(\d+) requests in`)
	if err != nil {
		return nil, err
	}
	rps, err := wrkFloat(out, `Requests/sec:\s+([\d.]+)`)
	if err != nil {
		return nil, err
	}
	p50, err := wrkLatency(out, "50%")
	if err != nil {
		return nil, err
	}
	p99, err := wrkLatency(out, "99%")
	if err != nil {
		return nil, err
	}
	errs, _ := wrkInt(out, `Non-2xx or 3xx responses:\s+(\d+)`)
	if sock, err := wrkInt(out, `Socket errors: connect (\d+)`); err == nil {
		errs += sock
	}
	res := map[string]any{
		"requests": requests, "errors": errs, "rps": rps, "p50_ms": p50, "p99_ms": p99,
		"cache_hits": int(float64(w.sampleHits()) / sampleHits * float64(requests)),
	}
	if pid > 0 && requests > 0 {
		res["cpu_us_per_req"] = float64(cpu1-cpu0) * 10000 / float64(requests)
		res["rss_mib"] = float64(rssKiB(pid)) / 1024
	}
	return res, nil
}

// sampleHits sends sampleHits requests like wrk's and counts the answers with X-Cache: HIT.
func (w wrkLoad) sampleHits() int {
	n := 0
	for range sampleHits {
		var rd io.Reader
		if w.body != "" {
			rd = strings.NewReader(w.body)
		}
		req, _ := http.NewRequest(w.method, w.addr+w.paths[0], rd)
		req.Header.Set("X-Vault-Request", "true")
		if w.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if w.token != "" {
			req.Header.Set("X-Vault-Token", w.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.Header.Get("X-Cache") == "HIT" {
			n++
		}
	}
	return n
}

func wrkInt(out, re string) (int, error) {
	m := regexp.MustCompile(re).FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("wrk output has no %q:\n%s", re, out)
	}
	return strconv.Atoi(m[1])
}

func wrkFloat(out, re string) (float64, error) {
	m := regexp.MustCompile(re).FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("wrk output has no %q:\n%s", re, out)
	}
	return strconv.ParseFloat(m[1], 64)
}

// wrkLatency reads a line of wrk's latency distribution ("     50%  346.00us"), in milliseconds.
func wrkLatency(out, pct string) (float64, error) {
	m := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(pct) + `\s+([\d.]+)(us|ms|s)\s*$`).FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("wrk output has no %s latency:\n%s", pct, out)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, err
	}
	switch m[2] {
	case "us":
		v /= 1000
	case "s":
		v *= 1000
	}
	return v, nil
}
