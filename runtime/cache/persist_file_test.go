package cache

import (
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeKey writes a persist "file" key file holding data and returns its path.
func writeKey(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func newKey(t *testing.T) string {
	b := make([]byte, keySize)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b) + "\n"
}

// TestPersistFileKey: persist "file" writes the same cache file, keyed by the key file instead of a
// service-account token: the next run with the key restores it; another key, or the key's text given
// as a service-account token, cannot read it.
func TestPersistFileKey(t *testing.T) {
	f := newPersistFixture(t)
	keys := t.TempDir()
	key := newKey(t)
	o := PersistOptions{Path: f.dir, KeyFile: writeKey(t, keys, "key", key), KeepAfterImport: true, ExitOnErr: true,
		AutoAuthIdentity: testIdentity}
	h := f.mustRun(o, nil)
	tok := h.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
	h.closeCache()

	h2 := f.mustRun(o, nil)
	h2.start()
	if r := h2.do("POST", "/v1/auth/token/create", fakeRoot, createBody); r.header.Get("X-Cache") != "HIT" || !sameAnswer(r.raw, tok.raw) {
		t.Fatalf("after a restart with the key: X-Cache %q %s", r.header.Get("X-Cache"), r.raw)
	}
	h2.closeCache()

	other := o
	other.KeyFile = writeKey(t, keys, "other", newKey(t))
	if _, err := f.run(other, nil); err == nil || !strings.Contains(err.Error(), "key_file holds another key") {
		t.Errorf("another key: %v", err)
	}
	asToken := o
	asToken.KeyFile, asToken.ServiceAccountTokenFile = "", o.KeyFile
	if _, err := f.run(asToken, nil); err == nil || !strings.Contains(err.Error(), "service_account_token_file holds another token") {
		t.Errorf("the key as a service-account token: %v", err)
	}
}

// TestPersistFileKeyErrors: a key file that cannot be read or does not hold a 32-byte key stops New,
// whatever exit_on_err says, naming the file; no cache file is created.
func TestPersistFileKeyErrors(t *testing.T) {
	dir := t.TempDir()
	short := base64.StdEncoding.EncodeToString(make([]byte, 16))
	tests := []struct {
		name, file, want string
	}{
		{"missing", filepath.Join(dir, "missing"), "reading key_file: open " + filepath.Join(dir, "missing") + ": no such file or directory"},
		{"a directory", dir, "reading key_file: read " + dir + ": is a directory"},
		{"empty", writeKey(t, dir, "empty", ""), "key_file " + filepath.Join(dir, "empty") + " does not hold a 32-byte key in base64"},
		{"16 bytes", writeKey(t, dir, "short", short), "key_file " + filepath.Join(dir, "short") + " does not hold a 32-byte key in base64"},
		{"32 raw bytes", writeKey(t, dir, "raw", strings.Repeat("k", 32)), "does not hold a 32-byte key in base64 (make one with: openssl rand -base64 32)"},
		{"not base64", writeKey(t, dir, "text", "correct horse battery staple"), "does not hold a 32-byte key in base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newPersistFixture(t)
			_, err := f.run(PersistOptions{Path: f.dir, KeyFile: tt.file}, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if f.exists() {
				t.Error("a cache file was created")
			}
		})
	}
}
