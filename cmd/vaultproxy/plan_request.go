package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/preview"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/request"
)

// requestFlags are plan's -request, -header and -listener.
type requestFlags struct {
	line     string
	headers  multiFlag
	listener string
	req      request.Request
}

func (rf *requestFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&rf.line, "request", "", "print what the proxy does with this `request`, written METHOD PATH (\"GET /v1/sys/health\")")
	fs.Var(&rf.headers, "header", "a `header` of the -request, written Name: value; repeatable")
	fs.StringVar(&rf.listener, "listener", "", "the `address` of the listener the -request comes to (default: the first listener)")
}

// check parses -request and -header, and refuses -header or -listener without -request, and
// -request with -out.
func (rf *requestFlags) check(out string, stderr io.Writer) bool {
	if rf.line == "" {
		if len(rf.headers) > 0 || rf.listener != "" {
			fmt.Fprintln(stderr, "vaultproxy plan: -header and -listener describe a -request; give one")
			return false
		}
		return true
	}
	if out != "" {
		fmt.Fprintln(stderr, "vaultproxy plan: -request prints a decision, not a plan: it cannot be used with -out")
		return false
	}
	r, err := request.Parse(rf.line, rf.headers)
	if err != nil {
		fmt.Fprintln(stderr, "vaultproxy plan: -"+err.Error())
		return false
	}
	rf.req = r
	return true
}

// print writes the decision for the request on its listener of p; the listener must exist.
func (rf *requestFlags) print(p *compile.Plan, asJSON bool, io *stdio) int {
	ls := p.Listeners()
	if len(ls) == 0 {
		fmt.Fprintln(io.err, "vaultproxy plan: -request: the configuration has no listener")
		return exitError
	}
	l, ok := ls[0], rf.listener == ""
	var addrs []string
	for _, c := range ls {
		addrs = append(addrs, c.Address().Get())
		if !ok && c.Address().Get() == rf.listener {
			l, ok = c, true
		}
	}
	if !ok {
		fmt.Fprintf(io.err, "vaultproxy plan: -listener=%s: no such listener; the configuration's are %s\n", rf.listener, strings.Join(addrs, ", "))
		return exitUsage
	}
	d := request.Decide(p, l, rf.req)
	var err error
	if asJSON {
		var b []byte
		b, err = json.MarshalIndent(d, "", "  ")
		if err == nil {
			_, err = io.out.Write(append(b, '\n'))
		}
	} else {
		err = preview.WriteDecision(io.out, rf.line, rf.req, l, d)
	}
	if err != nil {
		fmt.Fprintln(io.err, "vaultproxy plan:", err)
		return exitError
	}
	return exitOK
}
