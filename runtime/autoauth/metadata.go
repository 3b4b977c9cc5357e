package autoauth

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// metadataTimeout bounds each request to a cloud's instance metadata service made by a method here
// (azure's IMDS, gcp's gce identity token, alicloud's ECS metadata, oci's instance principal
// metadata): connecting, sending, and reading the whole answer. Vault Proxy's azure and gcp methods
// (hashicorp/vault command/agentproxyshared/auth/azure/azure.go, .../gcp/gcp.go) and the OCI SDK's
// instance principal metadata client send with no timeout at all, so a metadata server that accepts
// the connection and never answers holds that login forever, with no retry and no back-off; here
// the attempt fails with an error that names the URL and this bound, and the manager's back-off
// retries it. 30 s is far beyond what a metadata service on the link-local network takes, and not
// tighter than what the SDKs give their own metadata clients (AWS IMDS 5 s, GCE metadata 5 s). A
// variable so that tests use a short one; it is read when a client is made.
var metadataTimeout = 30 * time.Second

// metadataClient sends requests to a metadata service, each bounded by its timeout (metadataTimeout
// when made). It sends exactly what the http.Client it wraps would: only the bound differs. Its Do
// is also the OCI SDK's common.HTTPRequestDispatcher (ociBoundMetadata).
type metadataClient struct {
	hc *http.Client
}

// newMetadataClient is a client sending with t (nil: http.DefaultTransport, as http.DefaultClient),
// bounded by metadataTimeout.
func newMetadataClient(t http.RoundTripper) metadataClient {
	return metadataClient{hc: &http.Client{Transport: t, Timeout: metadataTimeout}}
}

// Do sends req; a request, or the reading of its answer's body, that runs past the bound fails
// with an error naming the URL and the bound.
func (c metadataClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if c.timedOut(req, err) && errors.As(err, &ue) {
			return nil, &url.Error{Op: ue.Op, URL: ue.URL,
				Err: fmt.Errorf("the metadata service did not answer within %s: %w", c.hc.Timeout, ue.Err)}
		}
		return nil, err
	}
	resp.Body = &metadataBody{ReadCloser: resp.Body, c: c, req: req}
	return resp, nil
}

// timedOut reports whether err is the bound running out: a timeout while req's own context is
// still live (a login ended by its context is not the metadata service's slowness).
func (c metadataClient) timedOut(req *http.Request, err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() && req.Context().Err() == nil
}

// metadataBody names the URL and the bound when reading the answer runs past the bound (the
// server sent its headers and then stalled).
type metadataBody struct {
	io.ReadCloser
	c   metadataClient
	req *http.Request
}

func (b *metadataBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && b.c.timedOut(b.req, err) {
		err = fmt.Errorf("reading the answer to %s %s: the metadata service did not finish it within %s: %w",
			b.req.Method, b.req.URL.Redacted(), b.c.hc.Timeout, err)
	}
	return n, err
}
