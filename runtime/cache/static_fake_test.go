package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// kvFake scripts what Vault Enterprise serves to the static secret cache, inside a fakeVault:
//
//	/v1/kv/data/<name>, kv/metadata/<name>   a KV v2 mount "kv/" (GET, ?version=N; PUT/POST write)
//	/v1/kvv1/<name>                          a KV v1 mount "kvv1/" (GET; PUT/POST write)
//	/v1/sys/capabilities-self                read on what a token is allowed
//	/v1/sys/events/subscribe/kv*             the WebSocket event stream, events in Vault's JSON
//
// X-Vault-Namespace (or a path starting with "ns") is a namespace; secrets are keyed by namespace
// and path. Tokens read what allow lets them; any other token is refused with "permission denied".
type kvFake struct {
	mu      sync.Mutex
	secrets map[string]*kvSecret // "ns1/kv/foo", "kvv1/foo"
	allow   map[string][]string  // token -> readable key prefixes

	capsStatus      int // when not 0, capabilities-self fails with it
	subscribeStatus int // when not 0, the subscription fails with it
	subscribeErr    string
	redirectOnce    bool // the first subscription is answered 307 to the same path
	forwardDisabled bool // X-Vault-Forward is refused as with allow_forwarding_via_header off
	oss             bool // X-Vault-Namespace is ignored, as Vault OSS does (a path prefix is kept)
	// versionParams limits the version parameter of a token's reads, as a policy's
	// allowed_parameters {"version" = [...]} (an empty list: denied_parameters {"version" = []}).
	versionParams map[string][]string
	// holdGet, when set, is called with each KV read after its answer was made and before it is
	// sent (the lock is not held): a test can let a write pass it.
	holdGet func(r *http.Request)

	subscriptions  int            // successful subscriptions
	attempts       int            // subscription requests
	subscribeToken string         // X-Vault-Token of the last subscription
	subscribeNS    string         // X-Vault-Namespace of the last subscription
	reads          map[string]int // "token path" of KV GETs
	forwarded      int            // KV GETs with X-Vault-Forward: active-node
	capChecks      map[string]int // token -> capabilities-self calls
	streams        []chan []byte  // one per open subscription; closing drops it
}

type kvSecret struct {
	v1        bool
	current   int
	versions  map[int]map[string]any
	deleted   map[int]bool
	destroyed map[int]bool
}

func newKVFake(f *fakeVault) *kvFake {
	kv := &kvFake{
		secrets:   map[string]*kvSecret{},
		allow:     map[string][]string{fakeRoot: {""}},
		reads:     map[string]int{},
		capChecks: map[string]int{},
	}
	f.set(func() { f.kv = kv })
	return kv
}

func (kv *kvFake) lock() func() { kv.mu.Lock(); return kv.mu.Unlock }

func (kv *kvFake) allowed(token, key string) bool {
	for _, p := range kv.allow[token] {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

func (kv *kvFake) isKnown(token string) bool {
	defer kv.lock()()
	return kv.allow[token] != nil
}

// grant lets token read keys under prefix; revoke takes every grant of token away.
func (kv *kvFake) grant(token, prefix string) {
	defer kv.lock()()
	kv.allow[token] = append(kv.allow[token], prefix)
}

func (kv *kvFake) revoke(token string) {
	defer kv.lock()()
	delete(kv.allow, token)
}

func (kv *kvFake) readCount(token, path string) int {
	defer kv.lock()()
	return kv.reads[token+" "+path]
}

func (kv *kvFake) get(f func(kv *kvFake) int) int {
	defer kv.lock()()
	return f(kv)
}

// splitNS returns the canonical namespace of r and the path after /v1/ without it; with oss, the
// header is ignored.
func splitNS(r *http.Request, oss bool) (string, string) {
	ns := canonicalNamespace(r.Header.Get("X-Vault-Namespace"))
	if oss {
		ns = ""
	}
	p := strings.TrimPrefix(r.URL.Path, "/v1/")
	for strings.HasPrefix(p, "ns") && strings.Contains(p, "/") {
		i := strings.IndexByte(p, '/')
		ns += p[:i+1]
		p = p[i+1:]
	}
	return ns, p
}

// serve answers the KV, capability and event paths; false for others.
func (kv *kvFake) serve(w http.ResponseWriter, r *http.Request, body []byte) bool {
	kv.mu.Lock()
	ns, p := splitNS(r, kv.oss)
	kv.mu.Unlock()
	tok := r.Header.Get("X-Vault-Token")
	if a, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); tok == "" && ok {
		tok = strings.TrimSpace(a) // as Vault: exactly "Bearer "
	}
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	fail := func(status int, msg ...string) { reply(status, map[string]any{"errors": msg}) }
	switch {
	case p == "sys/events/subscribe/kv*":
		kv.subscribe(w, r)
		return true
	case p == "sys/capabilities-self" && r.Method == http.MethodPost:
		kv.mu.Lock()
		kv.capChecks[tok]++
		status, known := kv.capsStatus, kv.allow[tok] != nil
		kv.mu.Unlock()
		if status != 0 {
			fail(status, "internal error")
			return true
		}
		if !known {
			fail(http.StatusForbidden, "permission denied")
			return true
		}
		var in struct {
			Paths []string `json:"paths"`
		}
		_ = json.Unmarshal(body, &in)
		data := map[string]any{}
		kv.mu.Lock()
		for _, path := range in.Paths {
			caps := []string{"deny"}
			if kv.allowed(tok, ns+strings.TrimLeft(path, "/")) {
				caps = []string{"read", "list"}
			}
			data[path] = caps
		}
		kv.mu.Unlock()
		reply(http.StatusOK, map[string]any{"data": data})
		return true
	}
	var key, op string
	switch {
	case strings.HasPrefix(p, "kv/"):
		o, name, ok := strings.Cut(strings.TrimPrefix(p, "kv/"), "/")
		if !ok || name == "" {
			return false
		}
		key, op = ns+"kv/"+name, o
	case strings.HasPrefix(p, "kvv1/"):
		key, op = ns+p, "v1"
	default:
		return false
	}

	kv.mu.Lock()
	defer func() { kv.mu.Unlock() }() // holdGet unlocks and locks again
	if r.Method != http.MethodGet {
		if !kv.allowed(tok, key) {
			fail(http.StatusForbidden, "permission denied")
			return true
		}
		var in map[string]any
		_ = json.Unmarshal(body, &in)
		if op == "data" {
			in, _ = in["data"].(map[string]any)
		}
		kv.writeLocked(key, op == "v1", in)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	kv.reads[tok+" "+r.URL.Path]++
	if r.Header.Get("X-Vault-Forward") == "active-node" {
		if kv.forwardDisabled {
			fail(http.StatusBadRequest, "forwarding via header X-Vault-Forward disabled")
			return true
		}
		kv.forwarded++
	}
	if allowed, limited := kv.versionParams[tok]; !kv.allowed(tok, key) ||
		limited && r.URL.Query().Has("version") && !slices.Contains(allowed, r.URL.Query().Get("version")) {
		fail(http.StatusForbidden, "1 error occurred:\n\t* permission denied\n\n")
		return true
	}
	if hold := kv.holdGet; hold != nil {
		inner := reply
		reply = func(status int, v any) {
			kv.mu.Unlock()
			hold(r)
			kv.mu.Lock()
			inner(status, v)
		}
	}
	s := kv.secrets[key]
	if s == nil {
		fail(http.StatusNotFound)
		return true
	}
	switch op {
	case "v1":
		reply(http.StatusOK, map[string]any{"request_id": "r", "lease_id": "", "renewable": false,
			"lease_duration": 2764800, "data": s.versions[s.current], "mount_type": "kv"})
	case "data":
		v := s.current
		if q := r.URL.Query().Get("version"); q != "" {
			v, _ = strconv.Atoi(q)
		}
		if s.versions[v] == nil || s.deleted[v] || s.destroyed[v] {
			fail(http.StatusNotFound)
			return true
		}
		reply(http.StatusOK, map[string]any{"request_id": "r", "lease_id": "", "renewable": false, "lease_duration": 0,
			"data":       map[string]any{"data": s.versions[v], "metadata": map[string]any{"version": v, "destroyed": false}},
			"mount_type": "kv"})
	case "metadata":
		reply(http.StatusOK, map[string]any{"request_id": "r", "data": map[string]any{
			"current_version": s.current, "versions": len(s.versions)}, "mount_type": "kv"})
	case "subkeys":
		v := s.current
		if s.versions[v] == nil || s.deleted[v] || s.destroyed[v] {
			fail(http.StatusNotFound)
			return true
		}
		sub := map[string]any{}
		for k := range s.versions[v] {
			sub[k] = nil
		}
		reply(http.StatusOK, map[string]any{"request_id": "r", "data": map[string]any{
			"subkeys": sub, "metadata": map[string]any{"version": v}}, "mount_type": "kv"})
	default:
		fail(http.StatusMethodNotAllowed)
	}
	return true
}

// writeLocked stores a new version of key and sends its event.
func (kv *kvFake) writeLocked(key string, v1 bool, data map[string]any) {
	s := kv.secrets[key]
	if s == nil {
		s = &kvSecret{v1: v1, versions: map[int]map[string]any{}, deleted: map[int]bool{}, destroyed: map[int]bool{}}
		kv.secrets[key] = s
	}
	if v1 {
		s.current = 1
	} else {
		s.current++
	}
	s.versions[s.current] = data
	kv.eventLocked(key, "data-write", map[string]string{"current_version": strconv.Itoa(s.current)})
}

// write stores a new version of key ("kv/foo", "ns1/kv/foo", "kvv1/foo") and sends its event.
func (kv *kvFake) write(key string, data map[string]any) {
	defer kv.lock()()
	kv.writeLocked(key, strings.Contains(key, "kvv1/"), data)
}

// writeSilently stores a new version without an event (as if sent while the stream was down).
func (kv *kvFake) writeSilently(key string, data map[string]any) {
	defer kv.lock()()
	s := kv.secrets[key]
	s.current++
	s.versions[s.current] = data
}

// versionsOp is a KV v2 delete, destroy or undelete of versions, with its event.
func (kv *kvFake) versionsOp(key, op string, versions ...int) {
	defer kv.lock()()
	s := kv.secrets[key]
	for _, v := range versions {
		switch op {
		case "delete":
			s.deleted[v] = true
		case "destroy":
			s.destroyed[v] = true
		case "undelete":
			delete(s.deleted, v)
		}
	}
	field := map[string]string{"delete": "deleted_versions", "destroy": "destroyed_versions", "undelete": "undeleted_versions"}[op]
	list, _ := json.Marshal(versions)
	kv.eventLocked(key, op, map[string]string{field: string(list), "current_version": strconv.Itoa(s.current)})
}

// eventLocked sends a KV event for key to every subscriber, in Vault's format: the path is the
// one the operation was made at (kv/data/foo, kv/destroy/foo...), the namespace separate.
func (kv *kvFake) eventLocked(key, op string, extra map[string]string) {
	ns, rest := "", key
	segs := strings.Split(key, "/")
	for i, seg := range segs {
		if seg == "kv" || seg == "kvv1" {
			ns, rest = strings.Join(segs[:i], "/"), strings.Join(segs[i:], "/")
			if ns != "" {
				ns += "/"
			}
			break
		}
	}
	md := map[string]any{"modified": "true", "operation": op, "oldest_version": "0"}
	var pluginInfo map[string]any
	eventType := "kv-v1/write"
	if strings.HasPrefix(rest, "kvv1/") {
		md["path"] = rest
		pluginInfo = map[string]any{"mount_path": "kvv1/", "plugin": "kv", "version": "1"}
	} else {
		opSeg := map[string]string{"data-write": "data"}[op]
		if opSeg == "" {
			opSeg = op
		}
		md["path"] = "kv/" + opSeg + "/" + strings.TrimPrefix(rest, "kv/")
		md["data_path"] = "kv/data/" + strings.TrimPrefix(rest, "kv/")
		pluginInfo = map[string]any{"mount_path": "kv/", "plugin": "kv", "version": "2"}
		eventType = "kv-v2/" + op
	}
	for k, v := range extra {
		md[k] = v
	}
	kv.sendLocked(map[string]any{
		"id": "e1", "source": "vault://fake", "specversion": "1.0", "type": "*",
		"data": map[string]any{
			"event": map[string]any{"id": "e1", "metadata": md}, "event_type": eventType,
			"plugin_info": pluginInfo, "namespace": ns,
		},
		"datacontentype": "application/cloudevents",
	})
}

func (kv *kvFake) sendLocked(ev any) {
	msg, _ := json.Marshal(ev)
	for _, ch := range kv.streams {
		ch <- msg
	}
}

// send sends a raw event to every subscriber.
func (kv *kvFake) send(ev any) {
	defer kv.lock()()
	kv.sendLocked(ev)
}

// drop closes every open subscription.
func (kv *kvFake) drop() {
	defer kv.lock()()
	for _, ch := range kv.streams {
		close(ch)
	}
	kv.streams = nil
}

func (kv *kvFake) subscribe(w http.ResponseWriter, r *http.Request) {
	kv.mu.Lock()
	kv.attempts++
	kv.subscribeToken = r.Header.Get("X-Vault-Token")
	kv.subscribeNS = r.Header.Get("X-Vault-Namespace")
	status, msg := kv.subscribeStatus, kv.subscribeErr
	redirect := kv.redirectOnce
	kv.redirectOnce = false
	kv.mu.Unlock()
	if q := r.URL.Query(); q.Get("json") != "true" || q.Get("namespaces") != "*" {
		http.Error(w, "bad query "+r.URL.RawQuery, http.StatusBadRequest)
		return
	}
	if redirect {
		u := url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery + "&moved=1"}
		w.Header().Set("Location", u.String())
		w.WriteHeader(http.StatusTemporaryRedirect)
		return
	}
	if status == 0 && r.Header.Get("X-Vault-Token") != "" && !kv.isKnown(r.Header.Get("X-Vault-Token")) {
		status = http.StatusForbidden
	}
	if status != 0 {
		if msg == "" {
			msg = http.StatusText(status)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []string{msg}})
		return
	}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	ch := make(chan []byte, 64)
	kv.mu.Lock()
	kv.subscriptions++
	kv.streams = append(kv.streams, ch)
	kv.mu.Unlock()
	ctx := conn.CloseRead(context.Background())
	for {
		select {
		case msg, ok := <-ch:
			if !ok {
				return
			}
			if err := conn.Write(ctx, websocket.MessageText, msg); err != nil {
				return
			}
		case <-ctx.Done():
			kv.mu.Lock()
			for i, c := range kv.streams {
				if c == ch {
					kv.streams = append(kv.streams[:i], kv.streams[i+1:]...)
					break
				}
			}
			kv.mu.Unlock()
			return
		}
	}
}

// staticHarness is a harness with static secret caching in front of a fakeVault with KV mounts.
type staticHarness struct {
	*harness
	kv *kvFake
}

// newStaticHarness is newHarness with StaticSecrets so (short intervals unless set) and the KV
// fake, which setup may script before the cache starts subscribing.
func newStaticHarness(t *testing.T, so StaticOptions, tweak func(*Options), setup func(*kvFake)) *staticHarness {
	t.Helper()
	if so.CapabilityRefreshInterval == 0 {
		so.CapabilityRefreshInterval = 200 * time.Millisecond
	}
	if so.EventStreamRetry == 0 {
		so.EventStreamRetry = 20 * time.Millisecond
	}
	h := &harness{t: t, fake: newFakeVault(t), reg: prometheus.NewRegistry(), logs: &syncBuffer{}}
	h.auto.Store(fakeRoot)
	kv := newKVFake(h.fake)
	if setup != nil {
		setup(kv)
	}
	h.next = newCountingRT(http.DefaultTransport)
	opts := Options{
		Next:          h.next,
		Vault:         h.fake.client(t),
		AutoAuthToken: func() string { return h.auto.Load().(string) },
		Logger:        slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Registerer:    h.reg,
		StaticSecrets: &so,
	}
	if tweak != nil {
		tweak(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	h.cache = c
	return &staticHarness{harness: h, kv: kv}
}

// connected waits for n successful subscriptions.
func (h *staticHarness) connected(n int) {
	h.t.Helper()
	waitFor(h.t, 5*time.Second, fmt.Sprintf("%d subscriptions", n), func() bool {
		return h.kv.get(func(kv *kvFake) int { return kv.subscriptions }) >= n &&
			h.metric("vault_proxy_cache_static_event_stream_connected") == 1
	})
}
