package cache

import (
	"encoding/binary"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// writeCacheFile writes a valid cache file of n token and n lease records (each with a 1 KiB
// answer, so that the buckets span many pages) at file, sealed for jwt, and returns its content.
func writeCacheFile(t testing.TB, file, jwt string, n int) []byte {
	t.Helper()
	st, err := createFile(file, []byte(jwt), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var ops []storeOp
	body := []byte(strings.Repeat("x", 1024))
	for i := range n {
		key := make([]byte, len(cacheKey{}))
		binary.BigEndian.PutUint64(key, uint64(i))
		tok := &record{Key: key, Status: 200, Body: body, Duration: 3600, Token: fmt.Sprintf("hvs.t%d", i), Path: "/v1/auth/token/create"}
		ops = append(ops, storeOp{bucket: bucketToken, seq: st.next, rec: tok})
		st.next++
		lease := &record{Key: key, Status: 200, Body: body, Duration: 3600, Lease: fmt.Sprintf("db/creds/app/l%d", i), Owner: "hvs.t0", Path: credsPath}
		ops = append(ops, storeOp{bucket: bucketLease, seq: st.next, rec: lease})
		st.next++
	}
	auto := "hvs.auto"
	ops = append(ops, storeOp{autoAuth: &auto, autoAuthID: testIdentity})
	if err := st.apply(ops); err != nil {
		t.Fatal(err)
	}
	if err := st.close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const damageJWT = "eyJhbGciOiJSUzI1NiJ9.first-pod.signature"

// bucketRootOffset is the offset in b of the root page id of bucket name: the value of its element
// in the root bucket's leaf page, as the current meta page (the higher txid) points to it.
func bucketRootOffset(t *testing.T, b []byte, name string) int {
	t.Helper()
	const pageHeader, metaRoot, metaTxid = 16, 16, 56 // offsets in a page, and in the meta after the header
	pageSize := int(binary.LittleEndian.Uint32(b[pageHeader+8:]))
	meta := pageHeader
	if binary.LittleEndian.Uint64(b[pageSize+pageHeader+metaTxid:]) > binary.LittleEndian.Uint64(b[pageHeader+metaTxid:]) {
		meta = pageSize + pageHeader
	}
	root := int(binary.LittleEndian.Uint64(b[meta+metaRoot:])) * pageSize
	count := int(binary.LittleEndian.Uint16(b[root+10:]))
	for i := range count {
		el := root + pageHeader + i*16 // leafPageElement: flags, pos, ksize, vsize (uint32 each)
		pos := int(binary.LittleEndian.Uint32(b[el+4:]))
		ksize := int(binary.LittleEndian.Uint32(b[el+8:]))
		if string(b[el+pos:el+pos+ksize]) == name {
			return el + pos + ksize // the bucket header: root page id, then sequence
		}
	}
	t.Fatalf("no bucket %q in the root page", name)
	return 0
}

// TestPersistDamagedFile: a truncated file, or one whose page ids point past its end (bbolt reads
// through mmap: without the checks, a memory fault that kills the process whatever exit_on_err
// says), is a corrupt file: an error with exit_on_err (file kept), else an empty cache and a new
// file.
func TestPersistDamagedFile(t *testing.T) {
	cases := []struct {
		name  string
		spoil func(t *testing.T, file string, b []byte)
		want  string
	}{
		{"truncated to 60% of its pages", func(t *testing.T, file string, b []byte) {
			if err := os.Truncate(file, highWaterMark(t, file)*6/10); err != nil {
				t.Fatal(err)
			}
		}, "the file is truncated"},
		{"a bucket root page id far past the end", func(t *testing.T, file string, b []byte) {
			b[bucketRootOffset(t, b, bucketLease)+3] = 0xff // page id + 0xff<<24: terabytes past the mapping
			if err := os.WriteFile(file, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "the file is corrupt"},
		{"empty", func(t *testing.T, file string, b []byte) {
			if err := os.WriteFile(file, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "the cache file is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newPersistFixture(t)
			if err := os.MkdirAll(f.dir, 0o700); err != nil {
				t.Fatal(err)
			}
			c.spoil(t, f.file, writeCacheFile(t, f.file, damageJWT, 600))
			_, err := f.run(f.opts(true, true), nil)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "exit_on_err is set") {
				t.Fatalf("exit_on_err: New = %v, want an error saying %q", err, c.want)
			}
			if !f.exists() {
				t.Error("exit_on_err: the file was removed")
			}
			h, err := f.run(f.opts(true, false), nil)
			if err != nil {
				t.Fatalf("without exit_on_err: New = %v, want an empty cache", err)
			}
			if h.cache.Len() != 0 || !strings.Contains(h.logs.String(), c.want) {
				t.Errorf("without exit_on_err: %d entries; log:\n%s", h.cache.Len(), h.logs.String())
			}
		})
	}
}

// TestPersistRandomDamage changes a few random bytes of the data pages of a real file, many times
// over (seeded): every import ends with the file restored or an error, never a crash.
func TestPersistRandomDamage(t *testing.T) {
	dir := t.TempDir()
	good := writeCacheFile(t, filepath.Join(dir, "good.db"), damageJWT, 300)
	const pageSize = 4096
	rng := rand.New(rand.NewPCG(1, 2))
	file := filepath.Join(dir, FileName)
	failed := 0
	for i := range 300 {
		b := append([]byte(nil), good...)
		for range 1 + rng.IntN(4) {
			b[2*pageSize+rng.IntN(len(b)-2*pageSize)] = byte(rng.IntN(256))
		}
		if i%3 == 0 { // a page id: the first 8 bytes of a page header
			p := 2 + rng.IntN(len(b)/pageSize-2)
			b[p*pageSize+rng.IntN(8)] = byte(rng.IntN(256))
		}
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := importFile(file, []byte(damageJWT), PersistOptions{}.secretName()); err != nil {
			failed++
		}
	}
	t.Logf("%d of 300 damaged files refused", failed)
	if failed == 0 {
		t.Error("no damaged file was refused: the damage did not reach the records")
	}
}

// TestPersistUnopenableFile: a file that cannot be opened (permission denied) stops New whatever
// exit_on_err says, and stays: it is not damaged, only unreadable by this process.
func TestPersistUnopenableFile(t *testing.T) {
	f := newPersistFixture(t)
	f.mustRun(f.opts(true, true), nil).closeCache()
	orig := openCacheFile
	openCacheFile = func(name string) (*os.File, error) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
	}
	t.Cleanup(func() { openCacheFile = orig })
	for _, exit := range []bool{true, false} {
		_, err := f.run(f.opts(true, exit), nil)
		if err == nil || !strings.Contains(err.Error(), "cannot open") || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("exit_on_err %v: New = %v, want a permission error", exit, err)
		}
		if !f.exists() {
			t.Fatalf("exit_on_err %v: the file was removed", exit)
		}
	}
}

// TestPersistStaleReplacementRemoved: a vault-agent-cache.db.new left by a crash during a
// keep_after_import rewrite is removed at start-up, in every mode.
func TestPersistStaleReplacementRemoved(t *testing.T) {
	for _, keep := range []bool{true, false} {
		for _, withFile := range []bool{true, false} {
			t.Run(fmt.Sprintf("keep=%v,file=%v", keep, withFile), func(t *testing.T) {
				f := newPersistFixture(t)
				if withFile {
					f.mustRun(f.opts(keep, true), nil).closeCache()
				}
				if err := os.MkdirAll(f.dir, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(f.file+".new", []byte("left by a crash"), 0o600); err != nil {
					t.Fatal(err)
				}
				h := f.mustRun(f.opts(keep, true), nil)
				h.start()
				if _, err := os.Stat(f.file + ".new"); !os.IsNotExist(err) {
					t.Errorf("%s.new still there (%v)", FileName, err)
				}
			})
		}
	}
}

// TestPersistFileKeptUntilStart: without keep_after_import the restored file is deleted by Start,
// not New: a start that fails before serving (a listener's port in use) keeps the cache.
func TestPersistFileKeptUntilStart(t *testing.T) {
	f := newPersistFixture(t)
	h := f.mustRun(f.opts(false, true), nil)
	h.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
	h.closeCache()
	f.mustRun(f.opts(false, true), nil).closeCache() // restored, never started
	if !f.exists() {
		t.Fatal("a restore that never started deleted the file")
	}
	h3 := f.mustRun(f.opts(false, true), nil)
	if h3.cache.Len() != 1 {
		t.Errorf("the next start restored %d entries, want 1", h3.cache.Len())
	}
	h3.start()
	if f.exists() {
		t.Error("Start did not delete the restored file")
	}
}

// highWaterMark is the size of the pages file uses (bbolt grows a file beyond them).
func highWaterMark(t *testing.T, file string) int64 {
	t.Helper()
	db, err := bolt.Open(file, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}
