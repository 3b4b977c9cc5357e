package cache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/vaultproxy/vaultproxy/runtime/internal/ctxtime"
)

// EventsPath is where Vault (Enterprise 1.16 and later) serves the KV event stream the static
// cache subscribes to.
const EventsPath = "/v1/sys/events/subscribe/kv*"

// maxEventMessage bounds one event stream message; KV events are well under 4 KiB.
const maxEventMessage = 1 << 20

// errEventsUnavailable is a 404 on the subscription: Vault has no event stream.
var errEventsUnavailable = errors.New("Vault answered 404 to the KV event subscription: " +
	"static secret events need Vault Enterprise 1.16 or later")

// runEvents keeps the static cache fresh, as Vault Proxy's static secret cache updater: it
// subscribes to Vault's KV events with the auto-auth token, re-reads every static secret on each
// (re)connection and the secrets each event names. Without the stream (Vault OSS, an error) it
// retries with back-off and, unlike Vault Proxy, re-reads every static secret each
// CapabilityRefreshInterval meanwhile: each re-read is due one interval after the previous one
// started, whatever the back-off deadlines in between. Each kind of failure is logged once at
// warning level until a connection succeeds; repeats go to debug, so a Vault without events does
// not fill the log.
func (c *Cache) runEvents(autoAuth bool) {
	defer c.wg.Done()
	s, ctx := c.static, c.baseCtx
	if !autoAuth {
		c.log.Warn("cache: static secrets without auto-auth: no event stream; each is re-read every " +
			s.interval.String())
	}
	nextFull := s.clock.Now().Add(s.interval)
	maybeRefresh := func() {
		if now := s.clock.Now(); !now.Before(nextFull) {
			nextFull = now.Add(s.interval)
			c.refreshAll(ctx, "interval")
		}
	}
	// sleepUntil waits until t or the next interval re-read, whichever is first, doing the re-read
	// when it is due; false when the cache is closing.
	sleepUntil := func(t time.Time) bool {
		for now := s.clock.Now(); now.Before(t); now = s.clock.Now() {
			if !s.clock.Sleep(ctx, min(t.Sub(now), max(nextFull.Sub(now), 0))) {
				return false
			}
			maybeRefresh()
		}
		return true
	}
	wait := s.retry
	logged := ""
	for {
		token := c.autoAuth()
		if !autoAuth || token == "" {
			// No token yet (auto-auth is logging in), or never one.
			if !sleepUntil(s.clock.Now().Add(min(100*time.Millisecond, s.interval))) {
				return
			}
			continue
		}
		sent := time.Now() // wall time, as auto-auth compares it with its own checks
		connected, err := c.streamEvents(ctx, token, func() { nextFull = s.clock.Now().Add(s.interval) })
		if ctx.Err() != nil {
			return
		}
		if connected {
			wait, logged = s.retry, ""
		}
		class := eventErrorClass(err)
		msg := "cache: static secret event stream failed; static secrets are re-read every " + s.interval.String() +
			" until it is back, retrying"
		if connected {
			msg = "cache: static secret event stream dropped; reconnecting"
		}
		if class != logged {
			c.log.Warn(msg, "error", err, "retry_in", wait)
			logged = class
		} else {
			c.log.Debug(msg, "error", err, "retry_in", wait)
		}
		if strings.Contains(err.Error(), "invalid token") && s.opts.InvalidToken != nil {
			s.opts.InvalidToken(token, sent)
		}
		if !sleepUntil(s.clock.Now().Add(wait)) {
			return
		}
		wait = min(wait*2, s.retry*60)
	}
}

// loopClock is the event loop's clock.
type loopClock interface {
	Now() time.Time
	// Sleep waits for d; false when ctx ended first.
	Sleep(ctx context.Context, d time.Duration) bool
}

type realClock struct{}

func (realClock) Now() time.Time                                  { return time.Now() }
func (realClock) Sleep(ctx context.Context, d time.Duration) bool { return ctxtime.Sleep(ctx, d) }

// eventErrorClass groups stream failures for logging once.
func eventErrorClass(err error) string {
	switch {
	case errors.Is(err, errEventsUnavailable):
		return "unavailable"
	case err == nil:
		return ""
	}
	var se *subscribeError
	if errors.As(err, &se) {
		return "status " + strconv.Itoa(se.status)
	}
	return "connection"
}

// streamEvents subscribes, re-reads every static secret (events sent before the subscription are
// otherwise missed), calls connectedFn, then handles events until the stream ends. connected
// reports whether the subscription succeeded.
func (c *Cache) streamEvents(ctx context.Context, token string, connectedFn func()) (connected bool, err error) {
	conn, err := c.dialEvents(ctx, token)
	if err != nil {
		return false, err
	}
	defer conn.CloseNow()
	conn.SetReadLimit(maxEventMessage)
	c.log.Info("cache: static secret event stream connected")
	c.refreshAll(ctx, "connected")
	connectedFn()
	// Set once caught up: from here on, events keep every secret fresh.
	c.m.eventStream.Set(1)
	defer c.m.eventStream.Set(0)
	c.setStreamUp(true)
	defer c.setStreamUp(false)
	for {
		_, msg, err := conn.Read(ctx)
		if err != nil {
			return true, fmt.Errorf("reading the event stream: %w", err)
		}
		c.handleEvent(ctx, msg)
	}
}

// subscribeError is a refused subscription.
type subscribeError struct {
	status int
	msg    string
}

func (e *subscribeError) Error() string {
	return fmt.Sprintf("Vault refused the KV event subscription with %d: %s "+
		"(the auto-auth token needs read and subscribe on sys/events/subscribe/kv*, and Vault Enterprise 1.16 or later)",
		e.status, e.msg)
}

// dialEvents opens the WebSocket to EventsPath?json=true&namespaces=* with the auto-auth token,
// following up to 10 redirects (a standby sends the subscription to the active node with 307).
func (c *Cache) dialEvents(ctx context.Context, token string) (*websocket.Conn, error) {
	u := *c.static.base
	u.Path = strings.TrimRight(u.Path, "/") + EventsPath
	u.RawPath = u.Path // keeps the * as is
	u.RawQuery = url.Values{"json": {"true"}, "namespaces": {"*"}}.Encode()
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	default:
		u.Scheme = "ws"
	}
	hdr := http.Header{headerToken: {token}}
	if ns := c.static.opts.EventNamespace; ns != "" {
		hdr.Set(headerNamespace, ns)
	}
	target := u.String()
	for range 10 {
		dctx, cancel := context.WithTimeout(ctx, requestTimeout)
		conn, resp, err := websocket.Dial(dctx, target, &websocket.DialOptions{HTTPClient: c.static.client, HTTPHeader: hdr})
		cancel()
		if resp != nil { // Vault's answer, whatever the WebSocket made of it
			c.noteRoundTrip(c.baseCtx, resp, nil)
		} else {
			c.noteRoundTrip(c.baseCtx, nil, err)
		}
		if err == nil {
			return conn, nil
		}
		if resp == nil {
			return nil, err
		}
		var body []byte
		if resp.Body != nil {
			body, _ = io.ReadAll(resp.Body)
		}
		switch resp.StatusCode {
		case http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound, http.StatusMovedPermanently:
			loc, lerr := url.Parse(resp.Header.Get("Location"))
			if lerr != nil || resp.Header.Get("Location") == "" {
				return nil, fmt.Errorf("event subscription redirected without a usable Location: %q", resp.Header.Get("Location"))
			}
			cur, _ := url.Parse(target)
			target = cur.ResolveReference(loc).String()
			continue
		case http.StatusNotFound:
			return nil, fmt.Errorf("%w (%s)", errEventsUnavailable, target)
		default:
			return nil, &subscribeError{status: resp.StatusCode, msg: vaultErrors(body)}
		}
	}
	return nil, fmt.Errorf("event subscription: too many redirects (last %s)", target)
}

// kvEvent is the part of a KV event the cache reads. Vault sends metadata values as strings.
type kvEvent struct {
	Data struct {
		Namespace string `json:"namespace"`
		EventType string `json:"event_type"`
		Event     struct {
			Metadata map[string]any `json:"metadata"`
		} `json:"event"`
		PluginInfo struct {
			MountPath string `json:"mount_path"`
			Version   string `json:"version"`
		} `json:"plugin_info"`
	} `json:"data"`
}
