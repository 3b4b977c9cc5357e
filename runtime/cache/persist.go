package cache

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/vaultproxy/vaultproxy/schema"
	bolt "go.etcd.io/bbolt"
)

// PersistOptions are cache.persist "kubernetes" (hashicorp/vault command/agentproxyshared/helpers.go
// and cache/cacheboltdb/bolt.go): the cache
// written through to an encrypted BoltDB file, restored from it at start-up. See docs/cache.md,
// "Persistence".
type PersistOptions struct {
	// Path is the directory of the cache file, FileName. It is created, mode 0700, when missing.
	// Required.
	Path string
	// ServiceAccountTokenFile names the Kubernetes service-account token (a JWT) that protects the
	// file: read once, in New, surrounding white space trimmed, as Vault Proxy does. Required (the
	// plan supplies Vault Proxy's default, /var/run/secrets/kubernetes.io/serviceaccount/token).
	ServiceAccountTokenFile string
	// KeyFile, when set, is persist "file" (a vaultproxy extension): the file holds the key, 32 bytes
	// in standard base64, that protects the cache file in place of the service-account token, which
	// is then not read. Read once, in New; a missing or unreadable file, or one that does not hold
	// exactly a 32-byte key, fails New.
	KeyFile string
	// KeepAfterImport keeps the restored entries on disk: they are written to a new file, with new
	// key material, that replaces the restored one, and the cache goes on writing to it. Without it,
	// as in Vault Proxy, a restored file is deleted and this run writes none (the next start finds
	// no file, starts empty and creates one).
	KeepAfterImport bool
	// ExitOnErr makes New fail when an existing file cannot be restored. Without it the failure is
	// logged, the file removed, and the cache starts empty with a new file. A file that cannot be
	// opened at all (permission denied, an I/O error) fails New either way, and is never removed.
	ExitOnErr bool
	// AutoAuthIdentity is the fingerprint of the auto_auth method the auto-auth token comes from
	// (autoauth.Config.Fingerprint), stored with the token. A restored token is given back
	// (RestoredAutoAuthToken) only when the stored fingerprint equals this one; "" (no auto_auth, or
	// a method that wraps its token) means no auto-auth token is restored, stored or carried over.
	AutoAuthIdentity string
}

// Type is the persist block's type: "file" with a KeyFile, else "kubernetes".
func (o PersistOptions) Type() string {
	if o.KeyFile != "" {
		return "file"
	}
	return "kubernetes"
}

// secretName says, in a restore error, what holds a secret other than the file's.
func (o PersistOptions) secretName() string {
	if o.KeyFile != "" {
		return "key_file holds another key"
	}
	return "service_account_token_file holds another token"
}

// FileName is the cache file in PersistOptions.Path, named as Vault Proxy's.
const FileName = schema.PersistFileName

// Buckets and meta keys. The bucket names and the meta keys "version", "auto-auth-token" and
// "retrieval-token-material" are Vault Proxy's; the version value is not, so that neither program
// mistakes the other's file for its own (their record encodings differ).
const (
	bucketMeta  = "meta"
	bucketToken = "token" // kindToken entries: tokens created through the cache (logins, auth/token/create...)
	bucketLease = "lease" // kindLease entries
	// Static secret entries (cache_static_secrets) would get their own buckets here, as Vault
	// Proxy's "static-secret" and "token-capabilities", restored after the leases.

	metaVersion      = "version"
	metaKeyMaterial  = "retrieval-token-material" // keyMaterialSize random bytes, in the clear
	metaCheck        = "check"                    // checkPlaintext, sealed: proves key and token at open
	metaAutoAuth     = "auto-auth-token"          // the auto-auth token, sealed
	metaAutoAuthID   = "auto-auth-identity"       // PersistOptions.AutoAuthIdentity of that token, sealed
	fileVersion      = "vaultproxy-1"
	checkPlaintext   = "vaultproxy cache file"
	fileMode         = 0o600
	dirMode          = 0o700
	boltOpenTimeout  = time.Second
	vaultProxySchema = "2" // Vault Proxy's version value, recognised for a clear error
)

// record is an entry as stored (JSON, then sealed). Its kind is its bucket.
type record struct {
	Key       []byte      `json:"key"`
	Status    int         `json:"status"`
	Header    http.Header `json:"header"`
	Body      []byte      `json:"body"`
	Stored    time.Time   `json:"stored"`
	Expires   time.Time   `json:"expires"`
	Path      string      `json:"path"`
	Namespace string      `json:"namespace,omitempty"`
	RenewNS   string      `json:"renew_namespace,omitempty"`
	LeasePath string      `json:"lease_path,omitempty"`
	Duration  int         `json:"duration"`
	Token     string      `json:"token,omitempty"`
	Accessor  string      `json:"accessor,omitempty"`
	Parent    string      `json:"parent,omitempty"`
	Lease     string      `json:"lease,omitempty"`
	Owner     string      `json:"owner,omitempty"`
}

// imported is what a cache file held: the records in creation order, the auto-auth token and the
// identity it was stored with.
type imported struct {
	tokens, leases []record
	autoAuth       string
	autoAuthID     string
	// remove is the restored file, to be deleted by Cache.Start (keep_after_import = false): only
	// once the runtime serves, so that a start that fails later (a port in use) keeps the file.
	remove string
}

// storeOp is one write of the background writer: a record put (rec set) or delete, the auto-auth
// token (autoAuth, with its identity autoAuthID), or a flush of every entry.
type storeOp struct {
	bucket     string
	seq        uint64
	rec        *record
	autoAuth   *string
	autoAuthID string
	flush      bool
}

// store is an open cache file and its writer. Writes are queued in order, under Cache.mu, and
// applied by one goroutine, in batches of one transaction each, so that no request waits for a
// disk sync; Close applies what is queued before it closes the file.
type store struct {
	db   *bolt.DB
	seal *sealer
	file string
	log  *slog.Logger
	next uint64 // the key of the next record; guarded by Cache.mu
	// replaces is the restored file this new one (file) is to replace once the restored entries
	// are written to it (replace); "" for a file created where there was none.
	replaces string

	mu      sync.Mutex
	cond    *sync.Cond
	ops     []storeOp
	closing bool
	done    chan struct{}
}

func seqKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, seq)
}

// openPersistence opens the cache file of o: it restores an existing file, or creates a new one. It
// returns the store to write to (nil when a restored file is not kept; when it is, a new file that
// is to receive the restored entries and then replace it, see store.replace) and what was restored
// (nil when there was no usable file). Errors are fatal whatever o.ExitOnErr says when the token file
// cannot be read, the file cannot be opened (openError) or no new file can be created (as in Vault
// Proxy); restore errors only with o.ExitOnErr.
func openPersistence(o PersistOptions, log *slog.Logger) (*store, *imported, error) {
	if o.Path == "" {
		return nil, nil, errors.New("cache persist: path is required")
	}
	jwt, err := fileSecret(o)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(o.Path, dirMode); err != nil {
		return nil, nil, fmt.Errorf("cache persist: creating the directory: %w", err)
	}
	file := filepath.Join(o.Path, FileName)
	removeStaleNew(file+".new", log)
	_, err = os.Stat(file)
	switch {
	case err == nil:
		imp, rerr := importFile(file, jwt, o.secretName())
		var oe *openError
		if errors.As(rerr, &oe) {
			// Not a damaged file but one this process cannot read (permissions, a read-only or
			// failing disk): removing it would throw away a good cache.
			return nil, nil, fmt.Errorf("cache persist: cannot open %s (left as it is, whatever exit_on_err says): %w", file, oe.err)
		}
		if errors.Is(rerr, bolt.ErrTimeout) {
			// Another process holds the file: removing it would pull it from under that process.
			return nil, nil, fmt.Errorf("cache persist: %s is in use by another process: %w", file, rerr)
		}
		if rerr != nil {
			if o.ExitOnErr {
				return nil, nil, fmt.Errorf("cache persist: restoring from %s (exit_on_err is set): %w", file, rerr)
			}
			log.Error("cache persist: cannot restore; removing the file and starting with an empty cache", "file", file, "error", rerr)
			if err := os.Remove(file); err != nil {
				return nil, nil, fmt.Errorf("cache persist: removing the unreadable %s: %w", file, err)
			}
			break
		}
		if o.KeepAfterImport {
			// The restored entries are written to a new file, with new key material, which then
			// replaces the old one (store.replace): an imported file is only ever read, never opened
			// for writing, which bbolt cannot do safely with a damaged free list.
			st, err := createFile(file+".new", jwt, log)
			if err != nil {
				return nil, nil, err
			}
			st.replaces = file
			return st, imp, nil
		}
		// As Vault Proxy: a restored file is deleted, and this run writes none; deleted by Start.
		imp.remove = file
		return nil, imp, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, nil, fmt.Errorf("cache persist: %w", err)
	}
	st, err := createFile(file, jwt, log)
	if err != nil {
		return nil, nil, err
	}
	log.Info("cache persist: writing the cache to a new file", "file", file)
	return st, nil, nil
}

// keySize is the length of persist "file"'s key.
const keySize = 32

// fileSecret is what protects the cache file with the key material stored in it (persist_crypto.go):
// the service-account token, or persist "file"'s key.
func fileSecret(o PersistOptions) ([]byte, error) {
	if o.KeyFile != "" {
		raw, err := os.ReadFile(o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("cache persist: reading key_file: %w", err)
		}
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
		if err != nil || len(key) != keySize {
			return nil, fmt.Errorf("cache persist: key_file %s does not hold a %d-byte key in base64 (make one with: openssl rand -base64 %d)",
				o.KeyFile, keySize, keySize)
		}
		// Bound to its use, so that the same bytes given as a service-account token never open
		// this file.
		return append([]byte("vaultproxy persist file key:"), key...), nil
	}
	if o.ServiceAccountTokenFile == "" {
		return nil, errors.New("cache persist: service_account_token_file is required")
	}
	raw, err := os.ReadFile(o.ServiceAccountTokenFile)
	if err != nil {
		return nil, fmt.Errorf("cache persist: reading service_account_token_file: %w", err)
	}
	jwt := []byte(strings.TrimSpace(string(raw)))
	if len(jwt) == 0 {
		return nil, fmt.Errorf("cache persist: service_account_token_file %s is empty", o.ServiceAccountTokenFile)
	}
	return jwt, nil
}

// removeStaleNew removes the replacement file a crash left during a keep_after_import rewrite: its
// records are sealed with key material no file holds any more, so it is never useful, and without
// keep_after_import nothing else would ever remove it.
func removeStaleNew(file string, log *slog.Logger) {
	err := os.Remove(file)
	switch {
	case err == nil:
		log.Warn("cache persist: removed a replacement file left by an interrupted run", "file", file)
	case !errors.Is(err, os.ErrNotExist):
		log.Warn("cache persist: cannot remove a replacement file left by an interrupted run", "file", file, "error", err)
	}
}

// createFile creates a new cache file with new key material.
func createFile(file string, jwt []byte, log *slog.Logger) (*store, error) {
	// A file left there (a replacement cut short by a crash) holds records sealed with other key
	// material: it is not reused.
	if err := os.Remove(file); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("cache persist: %w", err)
	}
	material := newKeyMaterial()
	seal, err := newSealer(material, jwt)
	if err != nil {
		return nil, fmt.Errorf("cache persist: %w", err)
	}
	db, err := bolt.Open(file, fileMode, &bolt.Options{Timeout: boltOpenTimeout})
	if err != nil {
		return nil, fmt.Errorf("cache persist: creating %s: %w", file, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists([]byte(bucketMeta))
		if err != nil {
			return err
		}
		for _, b := range []string{bucketToken, bucketLease} {
			if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
				return err
			}
		}
		if err := meta.Put([]byte(metaVersion), []byte(fileVersion)); err != nil {
			return err
		}
		if err := meta.Put([]byte(metaKeyMaterial), material); err != nil {
			return err
		}
		return meta.Put([]byte(metaCheck), seal.seal(bucketMeta, []byte(metaCheck), []byte(checkPlaintext)))
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("cache persist: initialising %s: %w", file, err)
	}
	// bolt.Open applies the mode only to a file it creates; a file left by another program with a
	// wider mode is not ours to trust with tokens.
	if err := os.Chmod(file, fileMode); err != nil {
		db.Close()
		return nil, fmt.Errorf("cache persist: %w", err)
	}
	return newStore(db, seal, file, log), nil
}

func newStore(db *bolt.DB, seal *sealer, file string, log *slog.Logger) *store {
	st := &store{db: db, seal: seal, file: file, log: log, next: 1, done: make(chan struct{})}
	st.cond = sync.NewCond(&st.mu)
	go st.run()
	return st
}

// queue appends op for the writer. It never blocks on the disk.
func (st *store) queue(op storeOp) {
	st.mu.Lock()
	if !st.closing {
		st.ops = append(st.ops, op)
		st.cond.Signal()
	}
	st.mu.Unlock()
}

func (st *store) run() {
	defer close(st.done)
	for {
		st.mu.Lock()
		for len(st.ops) == 0 && !st.closing {
			st.cond.Wait()
		}
		ops, closing := st.ops, st.closing
		st.ops = nil
		st.mu.Unlock()
		if len(ops) > 0 {
			if err := st.apply(ops); err != nil {
				st.log.Error("cache persist: writing the cache file failed; entries may be missing after a restart",
					"file", st.file, "writes", len(ops), "error", err)
			}
		} else if closing {
			return
		}
	}
}

// apply writes ops in order in one transaction.
func (st *store) apply(ops []storeOp) error {
	return st.db.Update(func(tx *bolt.Tx) error {
		for _, op := range ops {
			switch {
			case op.flush:
				for _, b := range []string{bucketToken, bucketLease} {
					if err := tx.DeleteBucket([]byte(b)); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
						return err
					}
					if _, err := tx.CreateBucket([]byte(b)); err != nil {
						return err
					}
				}
			case op.autoAuth != nil:
				meta := tx.Bucket([]byte(bucketMeta))
				k, ki := []byte(metaAutoAuth), []byte(metaAutoAuthID)
				if err := meta.Put(k, st.seal.seal(bucketMeta, k, []byte(*op.autoAuth))); err != nil {
					return err
				}
				if err := meta.Put(ki, st.seal.seal(bucketMeta, ki, []byte(op.autoAuthID))); err != nil {
					return err
				}
			case op.rec != nil:
				pt, err := json.Marshal(op.rec)
				if err != nil {
					return err
				}
				k := seqKey(op.seq)
				if err := tx.Bucket([]byte(op.bucket)).Put(k, st.seal.seal(op.bucket, k, pt)); err != nil {
					return err
				}
			default:
				if err := tx.Bucket([]byte(op.bucket)).Delete(seqKey(op.seq)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// replace puts the new file in place of the restored one, atomically.
func (st *store) replace() error {
	if st.replaces == "" {
		return nil
	}
	if err := os.Rename(st.file, st.replaces); err != nil {
		return fmt.Errorf("cache persist: replacing the restored file: %w", err)
	}
	st.file, st.replaces = st.replaces, ""
	return nil
}

// close applies the queued writes and closes the file.
func (st *store) close() error {
	st.mu.Lock()
	st.closing = true
	st.cond.Signal()
	st.mu.Unlock()
	<-st.done
	return st.db.Close()
}
