package compile

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"golang.org/x/tools/txtar"
)

// TestChunkedParse checks that parsing in chunks gives the body that parsing the whole file gives,
// for every native-syntax source of the repository's fixtures and examples split at every line
// that starts with a name, and that a split which leaves a chunk unclosed falls back to the whole
// parse with its diagnostics.
func TestChunkedParse(t *testing.T) {
	srcs := map[string][]byte{
		"listeners.hcl": []byte(strings.Repeat("listener \"tcp\" {\n  address = \"127.0.0.1:8100\"\n  proxy_api {\n    enable_quit = true\n  }\n}\n", 20)),
		// Lines that start with a name inside a comment, a heredoc and a list: valid as a whole,
		// each split there leaves a chunk unclosed.
		"inside.hcl":   []byte("/* a comment\nlistener \"tcp\" {}\n*/\nvault {\n  address = <<EOT\nhttps://vault:8200\nEOT\n}\nx = [\nlisten,\n]\n"),
		"repeated.hcl": []byte("pid_file = \"a\"\npid_file = \"b\"\n"),
		"crlf.hcl":     []byte("vault {\r\n  address = \"https://v:8200\"\r\n}\r\nlistener \"tcp\" {\r\n}\r\n"),
	}
	for _, dir := range []string{"../fixtures", "../examples", "testdata"} {
		filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			switch {
			case strings.HasSuffix(path, ".txtar"):
				ar, err := txtar.ParseFile(path)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range ar.Files {
					if strings.HasSuffix(f.Name, ".hcl") {
						srcs[path+"/"+f.Name] = f.Data
					}
				}
			case strings.HasSuffix(path, ".hcl"):
				b, err := os.ReadFile(path)
				if err == nil {
					srcs[path] = b
				}
			}
			return nil
		})
	}
	chunked, fellBack := 0, 0
	for name, src := range srcs {
		whole, wdiags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
		f, ok := parseChunks(src, name, 1)
		if !ok {
			fellBack++
			got, gdiags := parseNative(hclparse.NewParser(), src, name, 0, 1)
			if !reflect.DeepEqual(got.Body, whole.Body) || !reflect.DeepEqual(gdiags, wdiags) {
				t.Errorf("%s: the fallback differs from the whole parse", name)
			}
			continue
		}
		chunked++
		if len(wdiags) > 0 {
			t.Errorf("%s: the chunks parse cleanly, the whole file has diagnostics: %v", name, wdiags)
		}
		if !reflect.DeepEqual(f.Body, whole.Body) {
			t.Errorf("%s: the chunks' body differs from the whole file's", name)
		}
		if string(f.Bytes) != string(src) {
			t.Errorf("%s: the file's bytes are not the source", name)
		}
	}
	t.Logf("%d sources parsed in chunks, %d fell back", chunked, fellBack)
	// Most sources are valid and parse in chunks; some are broken on purpose and fall back.
	if chunked < len(srcs)/2 || fellBack == 0 {
		t.Errorf("%d sources parsed in chunks, %d fell back: the test no longer covers both", chunked, fellBack)
	}
}
