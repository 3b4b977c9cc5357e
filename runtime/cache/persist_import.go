package cache

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
)

// openError is a cache file that could not be opened at all (permission denied, a read-only or
// failing disk): unlike a damaged file it is never removed, and it stops run whatever exit_on_err
// says.
type openError struct{ err error }

func (e *openError) Error() string { return e.err.Error() }
func (e *openError) Unwrap() error { return e.err }

// openCacheFile is os.Open; tests replace it (as root, a mode 0000 file opens all the same).
var openCacheFile = os.Open

// importFile reads every record of an existing cache file, read-only. Any error (an empty,
// truncated or corrupt file, not a BoltDB file, another program's file, a wrong service-account
// token, an altered record) fails the whole import: a cache is restored whole or not at all. A file
// that cannot be opened is an *openError.
//
// bbolt reads the file through mmap and trusts the page ids it finds: a truncated file, or a
// damaged page id, makes it read past the mapping, a memory fault that recover cannot catch. So
// the file's size is checked against the pages its meta page claims before anything is read, and
// the import runs with debug.SetPanicOnFault, which turns a fault left (a page id within the file
// but pointing at garbage) into a panic recovered here as a corrupt file.
func importFile(file string, jwt []byte, secretName string) (imp *imported, err error) {
	f, err := openCacheFile(file)
	if err != nil {
		return nil, &openError{err}
	}
	fi, err := f.Stat()
	f.Close()
	if err != nil {
		return nil, &openError{err}
	}
	if fi.Size() == 0 {
		// bbolt would try to initialise it, and fail read-only with "bad file descriptor".
		return nil, errors.New("the cache file is empty (0 bytes)")
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	var db *bolt.DB
	defer func() {
		if r := recover(); r != nil {
			if db != nil {
				db.Close()
			}
			imp, err = nil, fmt.Errorf("the file is corrupt: %v", r)
		}
	}()
	db, err = bolt.Open(file, fileMode, &bolt.Options{Timeout: boltOpenTimeout, ReadOnly: true})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, err
		}
		return nil, fmt.Errorf("not a readable BoltDB file: %w", err)
	}
	defer db.Close()
	imp = &imported{}
	err = db.View(func(tx *bolt.Tx) error {
		if tx.Size() > fi.Size() {
			return fmt.Errorf("the file is truncated: %d bytes, its pages need %d", fi.Size(), tx.Size())
		}
		return readFile(tx, jwt, secretName, imp)
	})
	if err != nil {
		return nil, err
	}
	return imp, nil
}

// readFile reads the meta bucket and every record of tx into imp.
func readFile(tx *bolt.Tx, jwt []byte, secretName string, imp *imported) error {
	meta := tx.Bucket([]byte(bucketMeta))
	if meta == nil {
		return errors.New("no meta bucket: not a cache file")
	}
	switch v := string(meta.Get([]byte(metaVersion))); v {
	case fileVersion:
	case vaultProxySchema, "1":
		return fmt.Errorf("written by Vault Proxy (schema version %s), whose file vaultproxy cannot read", v)
	default:
		return fmt.Errorf("unknown file version %q", v)
	}
	seal, err := newSealer(meta.Get([]byte(metaKeyMaterial)), jwt)
	if err != nil {
		return err
	}
	check, err := seal.open(bucketMeta, []byte(metaCheck), meta.Get([]byte(metaCheck)))
	if err != nil || string(check) != checkPlaintext {
		return fmt.Errorf("cannot decrypt the file: %s than the one the file was written with, or the file's key "+
			"material was altered", secretName)
	}
	if v := meta.Get([]byte(metaAutoAuth)); v != nil {
		tok, err := seal.open(bucketMeta, []byte(metaAutoAuth), v)
		if err != nil {
			return fmt.Errorf("the auto-auth token record was altered: %w", err)
		}
		imp.autoAuth = string(tok)
		// A token stored before identities were recorded has none: it matches no configuration.
		if v := meta.Get([]byte(metaAutoAuthID)); v != nil {
			id, err := seal.open(bucketMeta, []byte(metaAutoAuthID), v)
			if err != nil {
				return fmt.Errorf("the auto-auth identity record was altered: %w", err)
			}
			imp.autoAuthID = string(id)
		}
	}
	for _, b := range []struct {
		name string
		into *[]record
	}{{bucketToken, &imp.tokens}, {bucketLease, &imp.leases}} {
		bk := tx.Bucket([]byte(b.name))
		if bk == nil {
			return fmt.Errorf("no %s bucket: not a cache file", b.name)
		}
		err := bk.ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				return fmt.Errorf("%s record %x: malformed key", b.name, k)
			}
			seq := binary.BigEndian.Uint64(k)
			pt, err := seal.open(b.name, k, v)
			if err != nil {
				return fmt.Errorf("%s record %d was altered: %w", b.name, seq, err)
			}
			var r record
			if err := json.Unmarshal(pt, &r); err != nil {
				return fmt.Errorf("%s record %d: %w", b.name, seq, err)
			}
			if err := r.check(b.name); err != nil {
				return fmt.Errorf("%s record %d: %w", b.name, seq, err)
			}
			*b.into = append(*b.into, r)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// check refuses a record that could not have been written by storeOp for bucket.
func (r *record) check(bucket string) error {
	switch {
	case len(r.Key) != len(cacheKey{}):
		return errors.New("malformed cache key")
	case bucket == bucketToken && r.Token == "":
		return errors.New("token record without a token")
	case bucket == bucketLease && (r.Lease == "" || r.Owner == ""):
		return errors.New("lease record without a lease or its token")
	case r.Duration <= 0:
		return errors.New("record without a lease duration")
	}
	return nil
}
