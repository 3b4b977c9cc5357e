package autoauth

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Credentials is what the files a method logs in with held when they were last read: file path to
// the SHA-256, in hex, of its content. A reload compares the Credentials it reads with those of the
// running method (Changed) to tell new credentials from unchanged ones.
type Credentials map[string]string

// credentialFile is one file a method logs in with, and whether a reload needs it.
type credentialFile struct {
	path string
	// optional files may be absent (approle's secret ID, removed after reading by default): then
	// they count as unchanged.
	optional bool
	check    func(b []byte) error // nil: any non-empty content
}

// ReadCredentials reads the files cfg's method logs in with: token_file's token, approle's role ID
// and secret ID, cert's ca_cert, client_cert and client_key, and extra (the vault block's
// client_cert and client_key, which a cert method without files of its own logs in with). It
// returns the sum of each file it could read, and why a file that is needed could not be read or
// parsed (a missing or empty token or role ID; a certificate or key that does not load). The jwt
// and kubernetes methods read their files at each login, and jwt watches its file for changes
// itself: none of theirs are read here.
func ReadCredentials(cfg Config, extra ...string) (Credentials, error) {
	files := credentialFiles(cfg)
	for _, p := range extra {
		if p != "" {
			files = append(files, credentialFile{path: p})
		}
	}
	out := Credentials{}
	var errs []error
	for _, f := range files {
		b, err := os.ReadFile(f.path)
		switch {
		case err != nil && f.optional && errors.Is(err, os.ErrNotExist):
			continue
		case err != nil:
			errs = append(errs, err)
			continue
		case strings.TrimSpace(string(b)) == "" && f.optional:
			continue
		case strings.TrimSpace(string(b)) == "":
			errs = append(errs, fmt.Errorf("%s is empty", f.path))
			continue
		}
		if f.check != nil {
			if err := f.check(b); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", f.path, err))
				continue
			}
		}
		sum := sha256.Sum256(b)
		out[f.path] = hex.EncodeToString(sum[:])
	}
	if err := certPairCheck(cfg); err != nil {
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}

func credentialFiles(cfg Config) []credentialFile {
	s := cfg.Strings
	var files []credentialFile
	add := func(path string, optional bool, check func([]byte) error) {
		if path != "" {
			files = append(files, credentialFile{path: path, optional: optional, check: check})
		}
	}
	switch cfg.Method {
	case "token_file":
		add(s["token_file_path"], false, nil)
	case "approle":
		add(s["role_id_file_path"], false, nil)
		add(s["secret_id_file_path"], true, nil)
	case "cert":
		add(s["ca_cert"], false, checkPEMCerts)
		add(s["client_cert"], false, nil) // checked with its key by certPairCheck
		add(s["client_key"], false, nil)
	}
	return files
}

// certPairCheck loads the cert method's own client certificate and key together, as a login will.
func certPairCheck(cfg Config) error {
	cert, key := cfg.Strings["client_cert"], cfg.Strings["client_key"]
	if cfg.Method != "cert" || (cert == "" && key == "") {
		return nil
	}
	if _, err := tls.LoadX509KeyPair(cert, key); err != nil {
		return fmt.Errorf("cert: client certificate: %w", err)
	}
	return nil
}

func checkPEMCerts(b []byte) error {
	if !x509.NewCertPool().AppendCertsFromPEM(b) {
		return errors.New("holds no PEM certificate")
	}
	return nil
}

// Changed reports whether next holds a file whose content differs from what c holds for it. A file
// missing from next (an optional one that is absent now) is not a change.
func (c Credentials) Changed(next Credentials) bool {
	for p, sum := range next {
		if c[p] != sum {
			return true
		}
	}
	return false
}

// Merge returns c updated with next: what the running method's files hold after a reload.
func (c Credentials) Merge(next Credentials) Credentials {
	out := Credentials{}
	for p, sum := range c {
		out[p] = sum
	}
	for p, sum := range next {
		out[p] = sum
	}
	return out
}
