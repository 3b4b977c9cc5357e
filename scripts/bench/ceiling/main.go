// Command ceiling is the upper bound of any cache hit for scripts/bench/run.sh: a bare net/http
// server that answers every request with the same bytes, without looking at the request. At start
// it sends one request (-method, -url, -body) to a proxy that has the answer cached, keeps the
// answer's status, headers and body, and from then on writes them for every request it gets. A
// cache hit of vaultproxy does strictly more work than this (it reads the request, computes the
// cache key, checks the token), so the ratio of the two is how close the hit path is to what
// net/http itself can do on the machine.
//
// With -read-body it reads each request's body to its end before answering, as any handler whose
// answer depends on the body must (vaultproxy's cache key covers it). net/http then starts its
// background read of the connection when the body ends, and stops it again once the handler
// returns (net/http server.go, connReader.startBackgroundRead and abortPendingRead), which the bare
// ceiling never pays: this row measures that part of the gap, which no handler reading the body
// avoids.
package main

import (
	"bytes"
	"flag"
	"io"
	"log"
	"net/http"
	"strconv"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8500", "listen address")
	url := flag.String("url", "", "where to fetch the answer once, at start")
	method := flag.String("method", http.MethodGet, "the method of that request")
	body := flag.String("body", "", "the body of that request")
	readBody := flag.Bool("read-body", false, "read each request's body to its end before answering")
	flag.Parse()
	req, err := http.NewRequest(*method, *url, bytes.NewBufferString(*body))
	if err != nil {
		log.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	answer, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		log.Fatal(err)
	}
	header := resp.Header.Clone()
	header.Del("Date") // net/http writes a fresh one, as it does for vaultproxy's answers
	header.Set("Content-Length", strconv.Itoa(len(answer)))
	status := resp.StatusCode
	log.Fatal(http.ListenAndServe(*listen, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if *readBody {
			var buf [512]byte
			for {
				if _, err := r.Body.Read(buf[:]); err != nil {
					break
				}
			}
		}
		h := w.Header()
		for k, v := range header {
			h[k] = v
		}
		w.WriteHeader(status)
		w.Write(answer)
	})))
}
