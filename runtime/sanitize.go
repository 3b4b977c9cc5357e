package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// Which answers go through the sanitiser, and whether whole, request.Decide says (Decision.Sanitize,
// AboutAutoAuthToken).

// maxSanitizedBody bounds how much of a token response is read to sanitise it.
const maxSanitizedBody = 4 << 20

// sanitizeTokenResponse removes the auto-auth token from a 200 answer to a token lookup or renewal
// made with it (hashicorp/vault command/agentproxyshared/cache/handler.go): data.id and data.accessor
// are deleted, auth.client_token and auth.accessor blanked. about says the answer is about the
// auto-auth token (request.Decision.AboutAutoAuthToken: the -self paths, and lookup or renew naming no other token);
// otherwise it only acts when the token in the answer is the auto-auth token. The body is rewritten
// and Content-Length fixed.
func sanitizeTokenResponse(resp *http.Response, autoToken string, about bool) error {
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSanitizedBody+1))
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("reading the token response: %w", err)
	}
	if len(body) > maxSanitizedBody {
		return fmt.Errorf("token response larger than %d bytes", maxSanitizedBody)
	}
	out, err := sanitizeTokenBody(body, autoToken, about)
	if err != nil {
		return err
	}
	resp.Body = io.NopCloser(bytes.NewReader(out))
	resp.ContentLength = int64(len(out))
	resp.Header.Set("Content-Length", strconv.Itoa(len(out)))
	resp.Header.Del("Content-Encoding")
	return nil
}

func sanitizeTokenBody(body []byte, autoToken string, self bool) ([]byte, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return body, nil
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("token response is not a JSON object: %w", err)
	}
	changed := false
	if data, ok := doc["data"].(map[string]any); ok {
		if id, _ := data["id"].(string); self || (id != "" && id == autoToken) {
			if _, has := data["id"]; has {
				delete(data, "id")
				changed = true
			}
			if _, has := data["accessor"]; has {
				delete(data, "accessor")
				changed = true
			}
		}
	}
	if auth, ok := doc["auth"].(map[string]any); ok {
		if ct, _ := auth["client_token"].(string); self || (ct != "" && ct == autoToken) {
			auth["client_token"] = ""
			auth["accessor"] = ""
			changed = true
		}
	}
	if !changed {
		return body, nil
	}
	return json.Marshal(doc)
}
