package runtime

import "github.com/vaultproxy/vaultproxy/request"

// wrapTTLHeader asks Vault to response-wrap the answer: Vault then returns a wrapping token, and the
// answer itself only comes back from sys/wrapping/unwrap, which the sanitiser does not see (and which
// need not even go through the proxy).
const wrapTTLHeader = request.HeaderWrapTTL
