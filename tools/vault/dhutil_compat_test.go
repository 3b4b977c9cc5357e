package vault

// Vault's own helper/dhutil (hashicorp/vault v1.21.0), as a consumer of Vault Proxy's DH sinks
// uses it, opens the envelopes vaultproxy's sink wrote (runtime/autoauth/testdata/dh-envelopes.json,
// made by TestDHEnvelopeGoldens there): the same format, byte for byte where it matters.

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/vault/helper/dhutil"
	"golang.org/x/crypto/curve25519"
)

// peerKey is runtime/autoauth's dhGoldenPeerKey.
const peerKey = "a8e1f0c2d3b4a5968778695a4b3c2d1e0f1e2d3c4b5a69788796a5b4c3d2e1f0"

func TestVaultDHUtilOpensVaultproxyEnvelopes(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "runtime", "autoauth", "testdata", "dh-envelopes.json"))
	if err != nil {
		t.Fatal(err)
	}
	var goldens []struct {
		DeriveKey bool   `json:"derive_key"`
		AAD       string `json:"aad"`
		Payload   string `json:"payload"`
		Envelope  string `json:"envelope"`
	}
	if err := json.Unmarshal(b, &goldens); err != nil || len(goldens) == 0 {
		t.Fatalf("%d envelopes: %v", len(goldens), err)
	}
	priv, _ := hex.DecodeString(peerKey)
	pub, err := curve25519.X25519(priv, curve25519.Basepoint)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range goldens {
		var env dhutil.Envelope
		if err := json.Unmarshal([]byte(g.Envelope), &env); err != nil {
			t.Fatal(err)
		}
		key, err := dhutil.GenerateSharedSecret(priv, env.Curve25519PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		if g.DeriveKey {
			// The consumer's side of DeriveSharedKey: its own public key first.
			if key, err = dhutil.DeriveSharedKey(key, pub, env.Curve25519PublicKey); err != nil {
				t.Fatal(err)
			}
		}
		got, err := dhutil.DecryptAES(key, env.EncryptedPayload, env.Nonce, []byte(g.AAD))
		if err != nil || string(got) != g.Payload {
			t.Errorf("derive_key %v, aad %q: %q (%v), want %q", g.DeriveKey, g.AAD, got, err, g.Payload)
		}
	}
}
