package request

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vaultproxy/vaultproxy/compile"
)

// ErrNamespaceEscape is returned for an incoming namespace that tries to leave the configured one.
var ErrNamespaceEscape = errors.New("namespace escapes the configured namespace")

// JoinNamespace returns the namespace Vault receives when prepend_configured_namespace is on: the
// configured namespace (canonical, "org-a/") followed by the request's, canonical ("org-a/team-1/").
// An incoming namespace with "." or ".." segments, or written as an absolute path, is refused: it
// would name a namespace outside the configured one, or is at best ambiguous.
func JoinNamespace(configured, incoming string) (string, error) {
	in := strings.TrimSpace(incoming)
	if strings.HasPrefix(in, "/") {
		return "", fmt.Errorf("%w: %q is an absolute path; send a namespace relative to %q", ErrNamespaceEscape, incoming, configured)
	}
	for _, seg := range strings.Split(in, "/") {
		if seg == "." || seg == ".." {
			return "", fmt.Errorf("%w: %q has a %q segment", ErrNamespaceEscape, incoming, seg)
		}
	}
	return compile.CanonicalNamespace(configured + "/" + in), nil
}
