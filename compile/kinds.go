package compile

import (
	"crypto/tls"
	"slices"
)

// The typed values of kinds that are parsed once, here, so that validate, the preview and the runtime
// use them without parsing the text again.

// TLSVersion is a TLS protocol version as crypto/tls numbers it (tls.VersionTLS12); its String is the
// name a configuration writes (tls12).
type TLSVersion uint16

// tlsVersions are the names of schema.ListenerTLSMinVersion's allowed values, in order.
var tlsVersions = []struct {
	name string
	v    TLSVersion
}{{"tls10", tls.VersionTLS10}, {"tls11", tls.VersionTLS11}, {"tls12", tls.VersionTLS12}, {"tls13", tls.VersionTLS13}}

// ParseTLSVersion reads a version name (tls10 to tls13).
func ParseTLSVersion(name string) (TLSVersion, bool) {
	for _, t := range tlsVersions {
		if t.name == name {
			return t.v, true
		}
	}
	return 0, false
}

func (v TLSVersion) String() string {
	for _, t := range tlsVersions {
		if t.v == v {
			return t.name
		}
	}
	return ""
}

// CipherSuites are TLS cipher suites by their crypto/tls IDs, in the order written; empty means Go's
// defaults.
type CipherSuites []uint16

// Names returns the crypto/tls names of the suites, as a configuration writes them.
func (c CipherSuites) Names() []string {
	names := make([]string, 0, len(c))
	for _, id := range c {
		names = append(names, tls.CipherSuiteName(id))
	}
	return names
}

// cipherSuitesOf returns the IDs of names that Go knows (the decoder has checked them).
func cipherSuitesOf(names []string) CipherSuites {
	ids := CipherSuites{}
	for _, n := range names {
		if id, ok := CipherSuiteID(n); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

func cloneSuites(v Value[CipherSuites]) Value[CipherSuites] {
	return Value[CipherSuites]{v: slices.Clone(v.v), origin: v.origin}
}
