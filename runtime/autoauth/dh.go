package autoauth

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// The envelope a sink with dh_type "curve25519" writes, as Vault Proxy writes it, so that the
// consumers written for Vault Proxy read it (hashicorp/vault v1.21.0
// command/agentproxyshared/sink/sink.go encryptToken, and helper/dhutil/dhutil.go):
//
//   - dh_path holds the peer's public key, JSON {"curve25519_public_key": "<base64 of 32 bytes>"};
//   - the sink has its own X25519 key pair, made once and kept for the sink's life;
//   - the AES-256 key is the X25519 shared secret itself, or, with derive_key, 32 bytes of
//     HKDF-SHA256 of it, with the lower of the two public keys (bytewise) as the salt and the other as
//     the info;
//   - the payload is sealed with AES-256-GCM under a random 12-byte nonce, with aad as the
//     additional data;
//   - the file holds JSON {"curve25519_public_key", "nonce", "encrypted_payload"}, in that order,
//     each the standard base64 of its bytes, and a final newline (Vault's jsonutil.EncodeJSON).
//
// The peer's key is read at the first write and kept; until the file exists the write fails and
// is retried, as every failed sink write is, so a sink waits for its peer as Vault Proxy's does.

// dhPublicKey is the content of the dh_path file.
type dhPublicKey struct {
	Curve25519PublicKey []byte `json:"curve25519_public_key"`
}

// dhEnvelope is what a DH sink writes. The field order is the JSON's.
type dhEnvelope struct {
	Curve25519PublicKey []byte `json:"curve25519_public_key"`
	Nonce               []byte `json:"nonce"`
	EncryptedPayload    []byte `json:"encrypted_payload"`
}

// dhSealer encrypts a sink's payloads for the peer whose public key is in path.
type dhSealer struct {
	path      string
	deriveKey bool
	aad       []byte
	peer      *ecdh.PublicKey  // read from path at the first seal
	own       *ecdh.PrivateKey // made at the first seal
}

func newDHSealer(cfg SinkConfig) (*dhSealer, error) {
	if cfg.DHType != "curve25519" {
		return nil, fmt.Errorf("sink %s: unknown dh_type %q", cfg.Path, cfg.DHType)
	}
	return &dhSealer{path: cfg.DHPath, deriveKey: cfg.DeriveKey, aad: []byte(cfg.AAD)}, nil
}

// seal returns the envelope of payload, as JSON.
func (d *dhSealer) seal(payload []byte) ([]byte, error) {
	if len(payload) == 0 {
		return nil, errors.New("encrypting for dh_path: empty payload") // as dhutil.EncryptAES refuses it
	}
	if err := d.keys(); err != nil {
		return nil, err
	}
	secret, err := d.own.ECDH(d.peer)
	if err != nil {
		return nil, fmt.Errorf("calculating the shared key with the public key in %s: %w", d.path, err)
	}
	key := secret
	if d.deriveKey {
		if key, err = deriveDHKey(secret, d.own.PublicKey().Bytes(), d.peer.Bytes()); err != nil {
			return nil, err
		}
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	env := dhEnvelope{
		Curve25519PublicKey: d.own.PublicKey().Bytes(),
		Nonce:               nonce,
		EncryptedPayload:    gcm.Seal(nil, nonce, payload, d.aad),
	}
	var out bytes.Buffer
	if err := json.NewEncoder(&out).Encode(env); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// keys reads the peer's public key, once it is there, and makes the sink's own key pair, once.
func (d *dhSealer) keys() error {
	if d.peer == nil {
		b, err := os.ReadFile(d.path)
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no public key in dh_path %s yet", d.path)
		}
		if err != nil {
			return fmt.Errorf("reading dh_path: %w", err)
		}
		var pk dhPublicKey
		// A json.Decoder, as Vault's jsonutil.DecodeJSON: what follows the first JSON value is
		// not read.
		if err := json.NewDecoder(bytes.NewReader(b)).Decode(&pk); err != nil {
			return fmt.Errorf("decoding the public key in %s: %w", d.path, err)
		}
		if len(pk.Curve25519PublicKey) == 0 {
			return fmt.Errorf("decoding the public key in %s: curve25519_public_key is empty", d.path)
		}
		// Checked before it is kept: Vault Proxy keeps a key of the wrong length and then fails
		// every write until it restarts; here the file is read again at the next try.
		peer, err := ecdh.X25519().NewPublicKey(pk.Curve25519PublicKey)
		if err != nil {
			return fmt.Errorf("the public key in %s: %d bytes, not 32", d.path, len(pk.Curve25519PublicKey))
		}
		d.peer = peer
	}
	if d.own == nil {
		own, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			return fmt.Errorf("generating the sink's curve25519 key pair: %w", err)
		}
		d.own = own
	}
	return nil
}

// deriveDHKey is dhutil.DeriveSharedKey's key: HKDF-SHA256 of the shared secret, salted with the
// bytewise lower public key and with the other as the info, so that both sides derive the same key.
func deriveDHKey(secret, ours, theirs []byte) ([]byte, error) {
	salt, info := ours, theirs
	switch bytes.Compare(ours, theirs) {
	case 0:
		return nil, errors.New("deriving the shared key: the peer's public key is the sink's own")
	case 1:
		salt, info = theirs, ours
	}
	return hkdf.Key(sha256.New, secret, salt, string(info), 32)
}
