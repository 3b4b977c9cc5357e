package compile

import (
	"fmt"
	"slices"
	"time"
)

// What `vaultproxy run` implements, and the fixed timings it uses that no setting changes. They are
// declared here, upstream of both, so that the runtime executes them and the preview shows them
// without linking the runtime.

// RunMethods lists the auto_auth method types vaultproxy run implements (package runtime/autoauth).
var RunMethods = []string{"approle", "cert", "jwt", "kubernetes", "token_file"}

// RunTokenWait bounds how long a proxied request waits for an auto-auth token before it gets 503.
const RunTokenWait = 10 * time.Second

// The pause before a proxied request's first retry, doubled before each next one up to
// RunMaxRetryWait, so that the default 12 retries give up within about 10s (Vault's client waits
// 1-1.5s times the attempt number).
const (
	RunFirstRetryWait = 100 * time.Millisecond
	RunMaxRetryWait   = time.Second
)

// RunMethodRefusal refuses an auth method type that vaultproxy run does not implement.
func RunMethodRefusal(typ string) error {
	if !slices.Contains(RunMethods, typ) {
		return fmt.Errorf("auto_auth method %q is not implemented by vaultproxy run (implemented: %v); use Vault Proxy for it", typ, RunMethods)
	}
	return nil
}

// RunSinkRefusal refuses a sink vaultproxy run cannot write: DH-encrypted, or not a file.
func RunSinkRefusal(s Sink) error {
	if s.DHType().Get() != "" {
		return fmt.Errorf("sink %d (%s): dh_type %q encryption is not implemented by vaultproxy run; remove dh_type and dh_path, or use Vault Proxy for this sink",
			s.Index()+1, s.Path().Get(), s.DHType().Get())
	}
	if s.Type().Get() != "file" {
		return fmt.Errorf("sink %d: unknown sink type %q", s.Index()+1, s.Type().Get())
	}
	return nil
}

// RunRefusals returns what in p vaultproxy run does not implement and refuses, one message each,
// worded as runtime.New's errors: an auth method other than RunMethods, and a DH-encrypted or
// non-file sink (every cache setting is served). It is empty when run can serve p as far as the
// plan alone tells (files, sockets and Vault are only met when run starts).
func RunRefusals(p *Plan) []string {
	var out []string
	if aa, ok := p.AutoAuth(); ok {
		if err := RunMethodRefusal(aa.Method().Type().Get()); err != nil {
			out = append(out, err.Error())
		}
		for _, s := range aa.Sinks() {
			if err := RunSinkRefusal(s); err != nil {
				out = append(out, err.Error())
			}
		}
	}
	return out
}
