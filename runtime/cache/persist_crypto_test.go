package cache

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealerRoundTripAndRefusals(t *testing.T) {
	material := newKeyMaterial()
	jwt := []byte("eyJhbGciOiJSUzI1NiJ9.payload.signature")
	s, err := newSealer(material, jwt)
	if err != nil {
		t.Fatal(err)
	}
	key := seqKey(7)
	plain := []byte(`{"token":"hvs.secret"}`)
	sealed := s.seal(bucketToken, key, plain)
	if bytes.Contains(sealed, []byte("hvs.secret")) {
		t.Fatal("the sealed value contains the plaintext")
	}
	if again := s.seal(bucketToken, key, plain); bytes.Equal(again, sealed) {
		t.Error("two seals of one plaintext are equal: the nonce is not fresh")
	}
	got, err := s.open(bucketToken, key, sealed)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open = %q, %v; want the plaintext", got, err)
	}

	otherJWT, _ := newSealer(material, []byte("eyJhbGciOiJSUzI1NiJ9.other.signature"))
	otherKey, _ := newSealer(newKeyMaterial(), jwt)
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)/2] ^= 1
	for name, open := range map[string]func() ([]byte, error){
		"another service-account token": func() ([]byte, error) { return otherJWT.open(bucketToken, key, sealed) },
		"other key material":            func() ([]byte, error) { return otherKey.open(bucketToken, key, sealed) },
		"a flipped ciphertext bit":      func() ([]byte, error) { return s.open(bucketToken, key, tampered) },
		"another record key":            func() ([]byte, error) { return s.open(bucketToken, seqKey(8), sealed) },
		"another bucket":                func() ([]byte, error) { return s.open(bucketLease, key, sealed) },
		"a truncated value":             func() ([]byte, error) { return s.open(bucketToken, key, sealed[:20]) },
	} {
		if pt, err := open(); !errors.Is(err, errSeal) || pt != nil {
			t.Errorf("%s: open = %q, %v; want errSeal", name, pt, err)
		}
	}

	if _, err := newSealer(material[:16], jwt); err == nil {
		t.Error("16 bytes of key material accepted")
	}
	if _, err := newSealer(material, nil); err == nil {
		t.Error("an empty service-account token accepted")
	}
}
