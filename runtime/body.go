package runtime

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/vaultproxy/vaultproxy/runtime/internal/reqbody"
)

// errVaultStalled ends the body of an answer Vault stopped sending.
var errVaultStalled = errors.New("Vault stopped sending its answer")

// vaultBody is the body of Vault's answer on its way to the client. Each read must return within
// timeout, the listener's max_request_duration (the bound on the wait for Vault's headers, and
// Vault's api client's 60 s): a Vault that sends its headers and then nothing more would otherwise
// hold the client, and the connection to Vault, for ever. The time the client takes to accept what
// was read is not counted. A read that fails records why (reqInfo.failed), for finish and the log.
type vaultBody struct {
	io.ReadCloser
	px      *proxy
	req     *http.Request
	info    *reqInfo
	timeout time.Duration
	timer   *time.Timer
	stalled atomic.Bool
}

// watchBody bounds each read of body (vaultBody).
func (px *proxy) watchBody(body io.ReadCloser, req *http.Request, info *reqInfo) io.ReadCloser {
	if body == nil || body == http.NoBody {
		return body
	}
	return &vaultBody{ReadCloser: body, px: px, req: req, info: info, timeout: info.timeout}
}

func (b *vaultBody) Read(p []byte) (int, error) {
	if b.timer == nil {
		b.timer = time.AfterFunc(b.timeout, b.stall)
	} else {
		b.timer.Reset(b.timeout)
	}
	n, err := b.ReadCloser.Read(p)
	b.timer.Stop()
	if err != nil && err != io.EOF {
		err = b.failed(err)
	}
	return n, err
}

// stall ends the request towards Vault: the read waiting on it returns.
func (b *vaultBody) stall() {
	b.stalled.Store(true)
	b.info.cancel(errVaultStalled)
}

// failed records and logs a read that failed: Vault stalled, Vault broke its answer (closed the
// connection before its end, a malformed chunk), or the client went away (nothing to log here).
func (b *vaultBody) failed(err error) error {
	info, px, r := b.info, b.px, b.req
	switch {
	case b.stalled.Load():
		info.failed = http.StatusGatewayTimeout
		info.failure = fmt.Sprintf("Vault at %s sent nothing of its answer for %s", px.vaultAddr, b.timeout)
		px.log.Warn("vault stalled in the middle of its answer", "method", r.Method, "path", r.URL.Path, "vault", px.vaultAddr, "timeout", b.timeout.String())
		return fmt.Errorf("%w: %s", errVaultStalled, info.failure)
	case info.client.Err() != nil:
		info.failed = reqbody.StatusClientClosed
		return err
	}
	info.failed = http.StatusBadGateway
	info.failure = fmt.Sprintf("error reading the answer of Vault at %s: %s", px.vaultAddr, causeOf(err))
	px.log.Warn("vault broke off its answer", "method", r.Method, "path", r.URL.Path, "vault", px.vaultAddr, "err", causeOf(err))
	return err
}

// bodyFailure is the status and message of a failed copy of Vault's answer: what vaultBody
// recorded, or, when every read succeeded, a client that did not take the answer (499).
func (info *reqInfo) bodyFailure() (int, string) {
	if info.failed == 0 {
		return reqbody.StatusClientClosed, ""
	}
	return info.failed, info.failure
}

// aborted records, on the listener's statusWriter under w, the status of an answer cut short.
func aborted(w http.ResponseWriter, status int) {
	if sw, ok := w.(*statusWriter); ok {
		sw.aborted = status
	}
}
