package cftest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// API stands in for the Cloud Controller v2 API and its UAA token endpoint, answering the
// requests Vault's cf auth method makes through go-cfclient at configuration, login and renewal
// (hashicorp/vault-plugin-auth-cf backend.go newCFClient, path_login.go validate): GET /v2/info,
// a password grant at <token_endpoint>/oauth/token as client "cf" with Username and Password, then
// GET /v2/apps/<guid>, /v2/organizations/<guid> and /v2/spaces/<guid> with the bearer token it
// issued. It knows one app, in one space, in one organization; anything else is 404, and a
// request without the token is 401.
type API struct {
	Username, Password string
	Org, Space, App    string // GUIDs
	OrgName, SpaceName string
	AppName            string

	// URL is where the API is served (set it before use: /v2/info names it as the token endpoint).
	URL string

	mu       sync.Mutex
	requests []string // "GET /v2/apps/<guid>", ... in order
	refused  []string
}

const bearer = "cftest-access-token"

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.requests = append(a.requests, r.Method+" "+r.URL.Path)
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	refuse := func(code int, why string) {
		a.mu.Lock()
		a.refused = append(a.refused, why)
		a.mu.Unlock()
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"description":%q,"error_code":"CF-Test","code":%d}`, why, code)
	}
	if r.Method == http.MethodGet && r.URL.Path == "/v2/info" {
		fmt.Fprintf(w, `{"api_version":"2.133.0","authorization_endpoint":%q,"token_endpoint":%q}`, a.URL, a.URL)
		return
	}
	if r.URL.Path == "/oauth/token" {
		_ = r.ParseForm()
		user, pass, basic := r.BasicAuth()
		clientOK := (basic && user == "cf" && pass == "") || (!basic && r.PostForm.Get("client_id") == "cf")
		switch {
		case r.Method != http.MethodPost || r.PostForm.Get("grant_type") != "password":
			refuse(http.StatusBadRequest, "not a password grant")
		case !clientOK:
			refuse(http.StatusUnauthorized, "not client cf")
		case r.PostForm.Get("username") != a.Username || r.PostForm.Get("password") != a.Password:
			refuse(http.StatusUnauthorized, "bad username or password")
		default:
			fmt.Fprintf(w, `{"access_token":%q,"token_type":"bearer","expires_in":599}`, bearer)
		}
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+bearer {
		refuse(http.StatusUnauthorized, "no bearer token on "+r.URL.Path)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if r.Method != http.MethodGet || len(parts) != 3 || parts[0] != "v2" {
		refuse(http.StatusNotFound, "unexpected "+r.Method+" "+r.URL.Path)
		return
	}
	var body any
	switch kind, guid := parts[1], parts[2]; {
	case kind == "apps" && guid == a.App:
		body = resource(guid, map[string]any{"name": a.AppName, "space_guid": a.Space, "instances": 1, "state": "STARTED"})
	case kind == "organizations" && guid == a.Org:
		body = resource(guid, map[string]any{"name": a.OrgName, "status": "active"})
	case kind == "spaces" && guid == a.Space:
		body = resource(guid, map[string]any{"name": a.SpaceName, "organization_guid": a.Org})
	default:
		refuse(http.StatusNotFound, "unknown "+kind+" "+guid)
		return
	}
	_ = json.NewEncoder(w).Encode(body)
}

func resource(guid string, entity map[string]any) map[string]any {
	return map[string]any{"metadata": map[string]any{"guid": guid, "url": "/v2/x/" + guid}, "entity": entity}
}

// Seen returns the requests served so far and the reasons of those refused.
func (a *API) Seen() (requests, refused []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.requests), slices.Clone(a.refused)
}
