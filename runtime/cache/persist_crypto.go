package cache

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// keyMaterialSize is the length of the random material stored in the file's meta bucket.
const keyMaterialSize = 32

// keyInfo binds the derived key to its use (HKDF "info"): another use of the same material and
// token can never yield the same key.
const keyInfo = "vaultproxy cache persist v1: AES-256-GCM record key"

// errSeal is the failure of AES-GCM authentication. GCM cannot tell a wrong key from a wrong AAD or
// an altered ciphertext; the callers say which of those the failing record makes likely.
var errSeal = errors.New("message authentication failed")

// sealer encrypts the values of the cache file with AES-256-GCM (crypto/cipher, a random 96-bit
// nonce per value, prepended to it).
//
// Vault Proxy stores its AES-GCM key itself in the file's meta bucket ("retrieval-token-material")
// and uses the service-account token only as AAD; GCM's confidentiality rests on the key alone, so
// whoever can read its file can read the tokens in it. vaultproxy stores random material there
// instead and derives the key from it and the service-account token (HKDF-SHA256): the file alone
// reveals nothing, and a file written with another service-account token cannot be read. The AAD is
// the service-account token, as in Vault Proxy, followed by the record's bucket and key, so that a
// record cannot be moved to another place in the file (an old token to the auto-auth token's place).
// persist "file" (a vaultproxy extension) gives its key file's key, behind a fixed prefix, where the
// service-account token goes (fileSecret); its bytes may hold a NUL, but the secret is the same for
// every record of a file, so the bucket and key after it still tell every place apart.
type sealer struct {
	aead cipher.AEAD
	jwt  []byte
}

// newSealer derives the record key from material (keyMaterialSize random bytes from the file) and
// the service-account token jwt.
func newSealer(material, jwt []byte) (*sealer, error) {
	if len(material) != keyMaterialSize {
		return nil, fmt.Errorf("key material is %d bytes, want %d", len(material), keyMaterialSize)
	}
	if len(jwt) == 0 {
		return nil, errors.New("the service-account token is empty")
	}
	key, err := hkdf.Key(sha256.New, jwt, material, keyInfo, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead, jwt: jwt}, nil
}

// newKeyMaterial returns fresh random key material for a new file.
func newKeyMaterial() []byte {
	b := make([]byte, keyMaterialSize)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it panics if the OS cannot supply randomness)
	return b
}

// aad is the service-account token, NUL, the bucket name, NUL, the record key. Neither the bucket
// names nor the token contain NUL, so no two places share an AAD.
func (s *sealer) aad(bucket string, key []byte) []byte {
	a := make([]byte, 0, len(s.jwt)+len(bucket)+len(key)+2)
	a = append(a, s.jwt...)
	a = append(a, 0)
	a = append(a, bucket...)
	a = append(a, 0)
	return append(a, key...)
}

// seal encrypts plaintext for the record key of bucket: nonce, ciphertext and tag.
func (s *sealer) seal(bucket string, key, plaintext []byte) []byte {
	return s.aead.Seal(nil, nil, plaintext, s.aad(bucket, key))
}

// open decrypts what seal returned for the same bucket and key; errSeal when the value, the key
// material or the service-account token differs from those it was sealed with.
func (s *sealer) open(bucket string, key, value []byte) ([]byte, error) {
	if len(value) < s.aead.Overhead() { // the nonce and the tag
		return nil, fmt.Errorf("%w: value of %d bytes is too short", errSeal, len(value))
	}
	pt, err := s.aead.Open(nil, nil, value, s.aad(bucket, key))
	if err != nil {
		return nil, errSeal
	}
	return pt, nil
}
