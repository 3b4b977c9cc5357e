package cache

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// FuzzImportFile damages a real cache file and imports it: the import must end with the entries or
// an error, never a crash or a hang. The input is a list of patches of 4 bytes each, a 3-byte
// offset (modulo the file size) and the byte to write there; a trailing 2 or 3 bytes truncate the
// file to that offset. Run it with go test ./runtime/cache -run '^$' -fuzz FuzzImportFile;
// crashers land in testdata/fuzz/FuzzImportFile, and are then run by every go test.
func FuzzImportFile(f *testing.F) {
	good := writeCacheFile(f, filepath.Join(f.TempDir(), "good.db"), damageJWT, 40)
	f.Add([]byte{})
	f.Add([]byte{0x00, 0x20, 0x03, 0xff})       // a byte of page 2
	f.Add([]byte{0x00, 0x30, 0x00, 0x00, 0x01}) // truncated in page 3
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, patches []byte) {
		b := append([]byte(nil), good...)
		for len(patches) >= 4 {
			off := int(binary.BigEndian.Uint32(append([]byte{0}, patches[:3]...))) % len(b)
			b[off] = patches[3]
			patches = patches[4:]
		}
		if len(patches) >= 2 {
			b = b[:int(binary.BigEndian.Uint16(patches[:2]))%len(b)]
		}
		file := filepath.Join(dir, FileName)
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		imp, err := importFile(file, []byte(damageJWT), PersistOptions{}.secretName())
		if err == nil && len(imp.tokens)+len(imp.leases) > 2*40 {
			t.Fatalf("%d records imported from a file of %d", len(imp.tokens)+len(imp.leases), 2*40)
		}
	})
}
