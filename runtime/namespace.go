package runtime

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/vaultproxy/vaultproxy/compile"
)

const namespaceHeader = "X-Vault-Namespace"

// errNamespaceEscape is returned for an incoming namespace that tries to leave the configured one.
var errNamespaceEscape = errors.New("namespace escapes the configured namespace")

// joinNamespace returns the namespace Vault receives when prepend_configured_namespace is on: the
// configured namespace (canonical, "org-a/") followed by the request's, canonical ("org-a/team-1/").
// An incoming namespace with "." or ".." segments, or written as an absolute path, is refused: it
// would name a namespace outside the configured one, or is at best ambiguous.
func joinNamespace(configured, incoming string) (string, error) {
	in := strings.TrimSpace(incoming)
	if strings.HasPrefix(in, "/") {
		return "", fmt.Errorf("%w: %q is an absolute path; send a namespace relative to %q", errNamespaceEscape, incoming, configured)
	}
	for _, seg := range strings.Split(in, "/") {
		if seg == "." || seg == ".." {
			return "", fmt.Errorf("%w: %q has a %q segment", errNamespaceEscape, incoming, seg)
		}
	}
	return compile.CanonicalNamespace(configured + "/" + in), nil
}

// outgoingNamespace decides the X-Vault-Namespace header Vault receives. Without prepending, or
// with nothing configured, the request's own header passes as it came (set reports false: leave it).
func outgoingNamespace(prepend bool, configured string, h http.Header) (ns string, set bool, err error) {
	if !prepend || configured == "" {
		return "", false, nil
	}
	ns, err = joinNamespace(configured, h.Get(namespaceHeader))
	return ns, err == nil, err
}
