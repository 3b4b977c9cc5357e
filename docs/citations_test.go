package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// outsideCitations are the ways a comment or a page can point at reference material that is not in
// the repository (the project's private notes). A person who clones the repository cannot follow
// them: cite Vault's source (repository and file), public documentation or a page in docs/ instead.
// The strings are split so that this file does not match itself.
var outsideCitations = []string{
	"../" + "shared",
	"shared/" + "reference",
	"shared/" + "cases",
	"reference " + "section",
	"reference " + "§",
	"vault-proxy" + ".md", // the reference notes' file names
	"cli-conventions" + ".md",
	"style-anchors" + ".md",
	"shared " + "reference",
}

// TestNoOutsideCitations fails when a .go or .md file of the repository cites a file outside it.
func TestNoOutsideCitations(t *testing.T) {
	n := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != ".." && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); ext != ".go" && ext != ".md" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		for i, line := range strings.Split(string(b), "\n") {
			for _, c := range outsideCitations {
				if strings.Contains(line, c) {
					t.Errorf("%s:%d cites %q, a file outside the repository: %s",
						filepath.ToSlash(path[3:]), i+1, c, strings.TrimSpace(line))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("read %d .go and .md files; is the test running from docs/?", n)
	}
}
