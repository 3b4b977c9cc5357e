package testproc

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"testing"
)

// FreePort is a TCP port free on 127.0.0.1 right now (another process may take it before the
// server binds it: the callers try again on a new port).
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// RandomHex is n random bytes in hex, for passwords, tokens and master keys. crypto/rand.Read
// never returns an error since Go 1.24 (its documentation: it crashes the program instead).
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Unavailable skips the test because the server it needs is not installed (msg says what is
// missing and how to install it), or fails it when the environment variable CI is set: in CI the
// tests that need the server must run. pkg prefixes the failure ("ldaptest"), server names what
// the tests need ("slapd").
func Unavailable(t testing.TB, pkg, server, msg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s: %s; CI is set, so tests that need %s fail instead of skipping", pkg, msg, server)
	}
	t.Skip(msg)
}
