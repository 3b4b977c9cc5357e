package cache

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/vaultproxy/vaultproxy/runtime/internal/reqbody"
)

// ClearPath is where the runtime mounts ClearHandler.
const ClearPath = "/proxy/v1/cache-clear"

// MaxClearBody bounds a cache-clear request body (413 beyond it); the runtime reads the body of
// each request to its own endpoints within it.
const MaxClearBody = 64 << 10

// ClearRequest is the body of POST /proxy/v1/cache-clear.
type ClearRequest struct {
	// Type is request_path, token, token_accessor, lease or all.
	Type string `json:"type"`
	// Value is the request path prefix, token, accessor or lease ID (not needed for all).
	Value any `json:"value"`
	// Namespace applies to request_path only: the namespace the entries were requested in
	// (X-Vault-Namespace), compared canonically; empty is the root namespace.
	Namespace string `json:"namespace"`
}

// ClearHandler serves POST (and PUT, as Vault Proxy accepts) /proxy/v1/cache-clear:
//
//	200 {"cleared": N}        N entries evicted (0 when nothing matched)
//	400 {"errors": ["..."]}   empty or malformed body, missing or unknown type, missing value
//	405 {"errors": ["..."]}   any other method (with an Allow header)
func (c *Cache) ClearHandler() http.Handler {
	return http.HandlerFunc(c.serveClear)
}

func (c *Cache) serveClear(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		w.Header().Set("Allow", "POST, PUT")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"errors": []string{"method not allowed: use POST"}})
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxClearBody))
	if err != nil {
		// A truncated, too slow or too large body, each with its own status (400, 408, 413).
		e := reqbody.Status(err, r, MaxClearBody)
		writeJSON(w, e.Status, map[string]any{"errors": []string{e.Msg}})
		return
	}
	req, err := parseClear(raw)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{err.Error()}})
		return
	}
	n, err := c.Clear(req)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{err.Error()}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"cleared": n})
}

func parseClear(raw []byte) (ClearRequest, error) {
	var req ClearRequest
	if len(bytes.TrimSpace(raw)) == 0 {
		return req, errors.New("failed to parse JSON input: empty body")
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		return req, fmt.Errorf("failed to parse JSON input: %v", err)
	}
	return req, nil
}

// Clear evicts the entries req names and returns how many went (a token's child tokens and leases
// count). It is what ClearHandler calls.
func (c *Cache) Clear(req ClearRequest) (int, error) {
	value := ""
	switch v := req.Value.(type) {
	case nil:
	case string:
		value = strings.TrimSpace(v)
	default:
		return 0, errors.New(`"value" must be a string`)
	}
	switch req.Type {
	case "":
		return 0, errors.New(`no "type" provided: use one of request_path, token, token_accessor, lease, all`)
	case "all":
	case "request_path", "token", "token_accessor", "lease":
		if value == "" {
			return 0, fmt.Errorf(`no "value" provided: type %q needs one`, req.Type)
		}
	default:
		return 0, fmt.Errorf("unknown type %q: use one of request_path, token, token_accessor, lease, all", req.Type)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	// A clear is the operator's "forget this": no stale copy answers for it later (stale.go). Which
	// stale entries a clear names is not worth telling apart: they all go.
	c.dropAllStaleLocked()
	n := 0
	switch req.Type {
	case "all":
		for c.lru.list.Len() > 0 {
			n += c.evictLocked(c.lru.list.Front().Value.(*entry), reasonCleared, true)
		}
		c.flushStoreLocked()
	case "token":
		n = c.evictTokenLocked(value, reasonCleared)
	case "token_accessor":
		var known bool
		if n, known = c.evictAccessorLocked(value, reasonCleared); !known {
			// Which token it was is unknown: every token with static access is re-checked.
			c.recheckAllLocked()
		}
	case "lease":
		if e := c.idx.byLease[value]; e != nil {
			n = c.evictLocked(e, reasonCleared, false)
		}
	case "request_path":
		prefix := value
		if !strings.HasPrefix(prefix, "/") {
			prefix = "/v1/" + prefix
		}
		ns := canonicalNamespace(req.Namespace)
		var victims []*entry
		for el := c.lru.list.Front(); el != nil; el = el.Next() {
			e := el.Value.(*entry)
			// Static entries too are matched in the form they were requested in (namespace
			// header and path), each version query included.
			if e.namespace == ns && strings.HasPrefix(e.path, prefix) {
				victims = append(victims, e)
			}
		}
		for _, e := range victims {
			n += c.evictLocked(e, reasonCleared, true)
		}
	}
	return n, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
