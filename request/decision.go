package request

// Token is the token a forwarded request reaches Vault with.
type Token string

const (
	// TokenClient is the client's own: its X-Vault-Token, or its Authorization: Bearer token,
	// as sent.
	TokenClient Token = "client"
	// TokenAutoAuth is the proxy's auto-auth token, set as X-Vault-Token.
	TokenAutoAuth Token = "auto_auth"
	// TokenNone: the request reaches Vault unauthenticated.
	TokenNone Token = "none"
)

// Cache is whether a forwarded request's answer may come from, or be stored in, the cache.
type Cache string

const (
	// CacheNone: the request always reaches Vault and its answer is not stored.
	CacheNone Cache = "none"
	// CacheLease: an answer that carries a lease or a token is stored and served again to the same
	// request (the lease cache; hashicorp/vault command/agentproxyshared/cache/lease_cache.go).
	CacheLease Cache = "lease"
	// CacheStatic: a KV secret read, shared with every token Vault let read it (cache_static_secrets).
	// A static candidate whose answer carries a lease is cached as a lease when dynamic caching is on.
	CacheStatic Cache = "static"
)

// Endpoint is one of the proxy's own endpoints.
type Endpoint string

const (
	EndpointMetrics    Endpoint = "metrics"     // /proxy/v1/metrics
	EndpointReady      Endpoint = "ready"       // /proxy/v1/ready
	EndpointQuit       Endpoint = "quit"        // /proxy/v1/quit
	EndpointCacheClear Endpoint = "cache_clear" // /proxy/v1/cache-clear
)

// Paths of the proxy's own endpoints.
const (
	MetricsPath    = "/proxy/v1/metrics"
	ReadyPath      = "/proxy/v1/ready"
	QuitPath       = "/proxy/v1/quit"
	CacheClearPath = "/proxy/v1/cache-clear"
)

// Placeholders for the values only the running proxy knows, in Headers.Set.
const (
	AutoAuthTokenValue = "(the auto-auth token)"
	IndexStatesValue   = "(the X-Vault-Index states the proxy has seen)"
)

// Decision is what the proxy does with one request. Its JSON form (the field names below) is the
// decision object of `vaultproxy plan -request -json`, the test runner's request() and the
// provider's request function.
type Decision struct {
	// Listener is the address of the listener the request came to.
	Listener string `json:"listener"`
	// Status is the proxy's own answer; 0 when the request is forwarded to Vault. For an endpoint
	// of the proxy it is the status for a well-formed request (Reason says what else it may be).
	Status int `json:"status"`
	// Endpoint names the proxy's endpoint that answers, when one does.
	Endpoint Endpoint `json:"endpoint,omitempty"`
	// Allow is the Allow header of a 405.
	Allow string `json:"allow,omitempty"`
	// Errors is the body of a refusal, {"errors": Errors}.
	Errors []string `json:"errors,omitempty"`
	// Token, Namespace, Headers, Cache, Retry and Sanitize describe a forwarded request; a request
	// the proxy answers has TokenNone, "", no header changes, CacheNone and no retry.
	Token Token `json:"token"`
	// Namespace is the X-Vault-Namespace that reaches Vault, canonical ("org/team/"); "" for the
	// root namespace.
	Namespace string  `json:"namespace"`
	Headers   Headers `json:"headers"`
	Cache     Cache   `json:"cache"`
	// Retry says a failure (a connection error, 429, a 5xx other than 501) is retried, num_retries
	// times at most.
	Retry bool `json:"retry"`
	// Sanitize says Vault's answer is cleaned of the auto-auth token before it reaches the client.
	Sanitize bool `json:"sanitize"`
	// Reason says why, in a sentence or two.
	Reason string `json:"reason"`
	// Pending says the decision assumed what the request did not tell (Request.BodyUnread, or an
	// empty Request.AutoAuthToken for a lookup or renewal that names a token): decide again with
	// them to be sure.
	Pending bool `json:"-"`

	about bool
	// quiet is DecideQuiet's: no Reason for a forwarded request; sharedSet says Headers.Set is
	// autoAuthTokenSet, shared (decide.go).
	quiet, sharedSet bool
}

// Headers are the changes the proxy makes to the request's headers before Vault sees it; every
// other header goes as sent (hop-by-hop headers aside, which no proxy forwards).
type Headers struct {
	// Set maps a header name to the value Vault receives instead of the client's.
	Set map[string]string `json:"set"`
	// Remove lists the headers removed, in name order.
	Remove []string `json:"remove"`
}

// Forwarded reports that the request reaches Vault.
func (d Decision) Forwarded() bool { return d.Status == 0 }

// AboutAutoAuthToken reports a forwarded request made with the auto-auth token whose answer is
// about that token: the sanitiser removes the token and its accessor from it whole, rather than
// looking for the token's value.
func (d Decision) AboutAutoAuthToken() bool { return d.about }
