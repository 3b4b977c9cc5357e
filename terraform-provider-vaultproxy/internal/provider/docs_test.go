package provider

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite docs/ from the provider's definitions")

// docsDir is the module's docs/, in the Terraform Registry's layout.
const docsDir = "../../docs"

// docs/ is exactly what RenderDocs renders from the functions' definitions and the data source's
// schema: no file missing, none stale, none extra.
func TestDocs(t *testing.T) {
	want, err := RenderDocs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.RemoveAll(docsDir); err != nil {
			t.Fatal(err)
		}
		for p, s := range want {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(docsDir, p)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(docsDir, p), []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	got := map[string]string{}
	err = filepath.WalkDir(docsDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(docsDir, p)
		got[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range sortedKeys(want, got) {
		if diff := cmp.Diff(want[p], got[p]); diff != "" {
			t.Errorf("docs/%s is not what the provider declares (-want +got); run go test ./internal/provider/ -run TestDocs -update:\n%s", p, diff)
		}
	}
	for _, p := range []string{"index.md", "functions/plan.md", "functions/validate.md", "data-sources/config.md"} {
		if want[p] == "" {
			t.Errorf("RenderDocs has no %s", p)
		}
	}
}

func sortedKeys(ms ...map[string]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range ms {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}
