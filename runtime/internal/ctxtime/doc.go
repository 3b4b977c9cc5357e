// Package ctxtime holds the waits that the runtime's retry loops share (request retries, auto-auth
// back-off, the static secret event stream): a sleep that a context ends early.
package ctxtime
