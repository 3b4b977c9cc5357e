// Command bareproxy is the floor of any proxy hop for scripts/bench/run.sh: an httputil reverse proxy
// that forwards every request to Vault and sets X-Vault-Token to the token in a file, nothing else.
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8400", "listen address")
	vault := flag.String("vault", "http://127.0.0.1:8200", "Vault address")
	tokenFile := flag.String("token-file", "", "file holding the token to set")
	flag.Parse()
	target, err := url.Parse(*vault)
	if err != nil {
		log.Fatal(err)
	}
	b, err := os.ReadFile(*tokenFile)
	if err != nil {
		log.Fatal(err)
	}
	token := strings.TrimSpace(string(b))
	// The same connection pool as vaultproxy's, so that the comparison measures the proxies, not
	// Go's default of two idle connections per host.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 512, 256
	rp := &httputil.ReverseProxy{Transport: tr, Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.Out.Header.Set("X-Vault-Token", token)
	}}
	log.Fatal(http.ListenAndServe(*listen, rp))
}
