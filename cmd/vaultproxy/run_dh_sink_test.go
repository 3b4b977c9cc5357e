package main

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/curve25519"
)

// testDHSink: a sink with dh_type "curve25519", derive_key and aad_env_var waits for its peer's
// public key file, then writes the envelope Vault Proxy writes, which the peer opens on its own
// (curve25519, HKDF-SHA256 written out, AES-256-GCM with the aad) to the auto-auth token.
func testDHSink(t *testing.T, f *runFixture) {
	dir := t.TempDir()
	sink, pubPath := filepath.Join(dir, "sink"), filepath.Join(dir, "peer.json")
	cfg := fmt.Sprintf(`
exit_after_auth = true
vault {
  address = %q
}
auto_auth {
  method "token_file" {
    config = { token_file_path = %q }
  }
  sink "file" {
    dh_type     = "curve25519"
    dh_path     = %q
    derive_key  = true
    aad_env_var = "VP_TEST_AAD"
    config = { path = %q }
  }
}`, f.dev.Addr(), runWriteFile(t, dir, "tok", f.autoToken, 0o600), pubPath, sink)
	path := runWriteFile(t, dir, "proxy.hcl", cfg, 0o600)
	p := startProcessEnv(t, exec.Command(vaultproxyBin, "run", path), path, f.secrets, []string{"VP_TEST_AAD=app-ctx"})
	p.waitLog(t, "no public key in dh_path")
	priv := make([]byte, 32)
	if _, err := rand.Read(priv); err != nil {
		t.Fatal(err)
	}
	pub, err := curve25519.X25519(priv, curve25519.Basepoint)
	if err != nil {
		t.Fatal(err)
	}
	pubDoc, _ := json.Marshal(map[string][]byte{"curve25519_public_key": pub})
	runWriteFile(t, dir, "peer.json", string(pubDoc), 0o600)
	if code := p.exited(15 * time.Second); code != 0 {
		t.Fatalf("exit_after_auth: exit code %d\n%s", code, p.stderr)
	}
	b, err := os.ReadFile(sink)
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Pub     []byte `json:"curve25519_public_key"`
		Nonce   []byte `json:"nonce"`
		Payload []byte `json:"encrypted_payload"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatalf("sink holds %q: %v", b, err)
	}
	secret, err := curve25519.X25519(priv, env.Pub)
	if err != nil {
		t.Fatal(err)
	}
	salt, info := pub, env.Pub
	if bytes.Compare(env.Pub, pub) < 0 {
		salt, info = env.Pub, pub
	}
	ext := hmac.New(sha256.New, salt)
	ext.Write(secret)
	exp := hmac.New(sha256.New, ext.Sum(nil))
	exp.Write(info)
	exp.Write([]byte{1})
	block, err := aes.NewCipher(exp.Sum(nil))
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := gcm.Open(nil, env.Nonce, env.Payload, []byte("app-ctx"))
	if err != nil {
		t.Fatalf("the peer cannot open the sink's envelope: %v", err)
	}
	if string(tok) != f.autoToken {
		t.Errorf("the envelope holds %d bytes that are not the auto-auth token", len(tok))
	}
}
