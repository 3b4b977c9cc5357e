package autoauth

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/curve25519"
)

// dhPeer is the consumer of a DH sink: it publishes its public key in the documented form and
// decrypts the envelope on its own, with golang.org/x/crypto/curve25519 and an HKDF written out
// from RFC 5869, not with the code under test.
type dhPeer struct {
	priv, pub []byte
}

func newDHPeer(t *testing.T) *dhPeer {
	t.Helper()
	priv := make([]byte, 32)
	if _, err := rand.Read(priv); err != nil {
		t.Fatal(err)
	}
	pub, err := curve25519.X25519(priv, curve25519.Basepoint)
	if err != nil {
		t.Fatal(err)
	}
	return &dhPeer{priv: priv, pub: pub}
}

// publish writes the peer's public key file, as a consumer of Vault Proxy's DH sink does.
func (p *dhPeer) publish(t *testing.T, path string) {
	t.Helper()
	doc := fmt.Sprintf(`{"curve25519_public_key": %q}`, base64.StdEncoding.EncodeToString(p.pub))
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
}

// envelopeForm is the file's exact form: the three fields in this order, standard base64, and a
// final newline.
var envelopeForm = regexp.MustCompile(`^\{"curve25519_public_key":"[A-Za-z0-9+/]+=*","nonce":"[A-Za-z0-9+/]+=*","encrypted_payload":"[A-Za-z0-9+/]+=*"\}\n$`)

// open decrypts a sink file's content.
func (p *dhPeer) open(t *testing.T, file []byte, deriveKey bool, aad string) ([]byte, error) {
	t.Helper()
	if !envelopeForm.Match(file) {
		t.Fatalf("the envelope is not in Vault Proxy's form: %q", file)
	}
	var env struct {
		Pub, Nonce, Payload string
	}
	var raw map[string]string
	if err := json.Unmarshal(file, &raw); err != nil {
		t.Fatal(err)
	}
	env.Pub, env.Nonce, env.Payload = raw["curve25519_public_key"], raw["nonce"], raw["encrypted_payload"]
	dec := func(s string) []byte {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	sinkPub, nonce, payload := dec(env.Pub), dec(env.Nonce), dec(env.Payload)
	if len(sinkPub) != 32 || len(nonce) != 12 {
		t.Fatalf("public key of %d bytes, nonce of %d", len(sinkPub), len(nonce))
	}
	key, err := curve25519.X25519(p.priv, sinkPub)
	if err != nil {
		t.Fatal(err)
	}
	if deriveKey {
		salt, info := p.pub, sinkPub
		if bytes.Compare(sinkPub, p.pub) < 0 {
			salt, info = sinkPub, p.pub
		}
		key = rfc5869(key, salt, info)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return gcm.Open(nil, nonce, payload, []byte(aad))
}

// rfc5869 is HKDF-SHA256 with a 32-byte output: one block of Expand after Extract.
func rfc5869(secret, salt, info []byte) []byte {
	ext := hmac.New(sha256.New, salt)
	ext.Write(secret)
	prk := ext.Sum(nil)
	exp := hmac.New(sha256.New, prk)
	exp.Write(info)
	exp.Write([]byte{1})
	return exp.Sum(nil)
}

func TestDHSealOpensWithThePeersKey(t *testing.T) {
	for _, c := range []struct {
		name      string
		deriveKey bool
		aad       string
	}{
		{"shared secret as key, no aad", false, ""},
		{"shared secret as key, aad", false, "ctx-1"},
		{"derived key, no aad", true, ""},
		{"derived key, aad", true, "ctx-2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			peer := newDHPeer(t)
			pubPath := filepath.Join(dir, "peer.json")
			peer.publish(t, pubPath)
			s, err := newDHSealer(SinkConfig{Path: filepath.Join(dir, "sink"), DHType: "curve25519", DHPath: pubPath, DeriveKey: c.deriveKey, AAD: c.aad})
			if err != nil {
				t.Fatal(err)
			}
			for _, token := range []string{"hvs.first-token", "hvs.second-token"} {
				out, err := s.seal([]byte(token))
				if err != nil {
					t.Fatal(err)
				}
				got, err := peer.open(t, out, c.deriveKey, c.aad)
				if err != nil {
					t.Fatalf("the peer cannot open the envelope: %v", err)
				}
				if string(got) != token {
					t.Errorf("decrypted %q, want %q", got, token)
				}
				if _, err := peer.open(t, out, c.deriveKey, c.aad+"-other"); err == nil {
					t.Error("the envelope opens with another aad")
				}
				if _, err := peer.open(t, out, !c.deriveKey, c.aad); err == nil {
					t.Error("the envelope opens with the other key (derive_key ignored)")
				}
			}
		})
	}
}

// TestDHSealKeepsItsKeys: the sink's key pair is made once, and the peer's key is read once, as
// Vault Proxy's sink caches both; each envelope has its own nonce.
func TestDHSealKeepsItsKeys(t *testing.T) {
	dir := t.TempDir()
	peer := newDHPeer(t)
	pubPath := filepath.Join(dir, "peer.json")
	peer.publish(t, pubPath)
	s, err := newDHSealer(SinkConfig{DHType: "curve25519", DHPath: pubPath})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.seal([]byte("tok"))
	if err != nil {
		t.Fatal(err)
	}
	newDHPeer(t).publish(t, pubPath) // a new peer key after the first write is not read
	b, err := s.seal([]byte("tok"))
	if err != nil {
		t.Fatal(err)
	}
	var ea, eb dhEnvelope
	_ = json.Unmarshal(a, &ea)
	_ = json.Unmarshal(b, &eb)
	if !bytes.Equal(ea.Curve25519PublicKey, eb.Curve25519PublicKey) {
		t.Error("the sink's public key changed between writes")
	}
	if bytes.Equal(ea.Nonce, eb.Nonce) {
		t.Error("two envelopes share a nonce")
	}
	if got, err := peer.open(t, b, false, ""); err != nil || string(got) != "tok" {
		t.Errorf("the second envelope is not for the first peer key: %q, %v", got, err)
	}
}

// TestDHSealWaitsForThePeerKey: without the dh_path file, or with an unusable key in it, a write
// fails (and is retried by writeSinks); once a good key is there, it succeeds.
func TestDHSealWaitsForThePeerKey(t *testing.T) {
	dir := t.TempDir()
	pubPath := filepath.Join(dir, "peer.json")
	s, err := newDHSealer(SinkConfig{DHType: "curve25519", DHPath: pubPath})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		content, wantErr string
	}{
		{"", "no public key in dh_path"},
		{`{"curve25519_public_key": ""}`, "curve25519_public_key is empty"},
		{`{"curve25519_public_key": "AAEC"}`, "3 bytes, not 32"},
		{`not json`, "decoding the public key"},
	} {
		if c.content != "" {
			if err := os.WriteFile(pubPath, []byte(c.content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.seal([]byte("tok")); err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("dh_path %q: error %v, want %q", c.content, err, c.wantErr)
		}
	}
	peer := newDHPeer(t)
	peer.publish(t, pubPath)
	out, err := s.seal([]byte("tok"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := peer.open(t, out, false, ""); err != nil || string(got) != "tok" {
		t.Errorf("decrypted %q, %v", got, err)
	}
}

// TestDHSinkWritesOnceThePeerKeyIsThere: the manager's sink waits for dh_path (each write fails and
// is retried), then writes the envelope of what it would write in clear: the token, or, with the
// method's wrap_ttl, the wrapping information, as Vault Proxy encrypts after wrapping.
func TestDHSinkWritesOnceThePeerKeyIsThere(t *testing.T) {
	for _, c := range []struct {
		name    string
		wrapTTL time.Duration
		want    string // in the decrypted payload
	}{
		{"token", 0, "tok-1"},
		{"method wrap_ttl", 5 * time.Minute, `"token":"wrapped-1"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			fv := &fakeVault{}
			srv := httptest.NewServer(http.HandlerFunc(fv.handler))
			defer srv.Close()
			dir := t.TempDir()
			sink, pubPath := filepath.Join(dir, "sink"), filepath.Join(dir, "peer.json")
			_, done := startManager(t, Config{Method: "kubernetes", MountPath: "auth/kubernetes", WrapTTL: c.wrapTTL, ExitAfterAuth: true,
				Strings: map[string]string{"role": "web", "token_path": file(t, dir, "sa", "jwt")},
				Sinks: []SinkConfig{{Path: sink, Mode: 0o600, Owner: -1, Group: -1,
					DHType: "curve25519", DHPath: pubPath, DeriveKey: true, AAD: "ctx"}}}, srv)
			// The login is done and the write failing while there is no key: nothing is written.
			deadline := time.Now().Add(5 * time.Second)
			for fv.loginCount() == 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			time.Sleep(100 * time.Millisecond)
			if _, err := os.Stat(sink); !os.IsNotExist(err) {
				t.Fatalf("the sink was written before its peer's key was there: %v", err)
			}
			peer := newDHPeer(t)
			peer.publish(t, pubPath)
			select {
			case err := <-done:
				if !errors.Is(err, ErrExitAfterAuth) {
					t.Fatalf("Run = %v, want ErrExitAfterAuth", err)
				}
				done <- err
			case <-time.After(10 * time.Second):
				t.Fatal("the sink was never written once the key was there")
			}
			b, err := os.ReadFile(sink)
			if err != nil {
				t.Fatal(err)
			}
			got, err := peer.open(t, b, true, "ctx")
			if err != nil || !strings.Contains(string(got), c.want) {
				t.Errorf("decrypted %q (%v), want it to hold %s", got, err, c.want)
			}
		})
	}
}

// dhGoldenPeerKey is the private key of the peer of testdata/dh-envelopes.json, which
// tools/vault/dhutil_compat_test.go opens with Vault's own helper/dhutil.
const dhGoldenPeerKey = "a8e1f0c2d3b4a5968778695a4b3c2d1e0f1e2d3c4b5a69788796a5b4c3d2e1f0"

// dhGolden is one envelope of testdata/dh-envelopes.json and what opens it.
type dhGolden struct {
	DeriveKey bool   `json:"derive_key"`
	AAD       string `json:"aad"`
	Payload   string `json:"payload"`
	Envelope  string `json:"envelope"`
}

// TestDHEnvelopeGoldens checks that the committed envelopes, written by the sealer for the peer
// dhGoldenPeerKey, open to their payload. VAULTPROXY_WRITE_DH_GOLDENS=1 writes them anew.
func TestDHEnvelopeGoldens(t *testing.T) {
	priv, err := hex.DecodeString(dhGoldenPeerKey)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := curve25519.X25519(priv, curve25519.Basepoint)
	if err != nil {
		t.Fatal(err)
	}
	peer := &dhPeer{priv: priv, pub: pub}
	path := filepath.Join("testdata", "dh-envelopes.json")
	if os.Getenv("VAULTPROXY_WRITE_DH_GOLDENS") == "1" {
		pubPath := filepath.Join(t.TempDir(), "peer.json")
		peer.publish(t, pubPath)
		var out []dhGolden
		for _, c := range []dhGolden{{false, "", "hvs.golden-plain", ""}, {true, "", "hvs.golden-derived", ""}, {true, "app-ctx", "hvs.golden-derived-aad", ""}, {false, "app-ctx", "hvs.golden-aad", ""}} {
			s, err := newDHSealer(SinkConfig{DHType: "curve25519", DHPath: pubPath, DeriveKey: c.DeriveKey, AAD: c.AAD})
			if err != nil {
				t.Fatal(err)
			}
			env, err := s.seal([]byte(c.Payload))
			if err != nil {
				t.Fatal(err)
			}
			c.Envelope = string(env)
			out = append(out, c)
		}
		b, _ := json.MarshalIndent(out, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var goldens []dhGolden
	if err := json.Unmarshal(b, &goldens); err != nil || len(goldens) != 4 {
		t.Fatalf("%s: %d envelopes, %v", path, len(goldens), err)
	}
	for _, g := range goldens {
		got, err := peer.open(t, []byte(g.Envelope), g.DeriveKey, g.AAD)
		if err != nil || string(got) != g.Payload {
			t.Errorf("derive_key %v, aad %q: opened %q (%v), want %q", g.DeriveKey, g.AAD, got, err, g.Payload)
		}
	}
}
