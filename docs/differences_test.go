package docs

import (
	"os"
	"strings"
	"testing"
)

// TestDifferencesExplained checks that every schema entry with a Differs, Rejected or Extension text (or
// extension labels) is named, as
// `name`, in differences.md, which explains why vaultproxy differs from Vault Proxy there.
func TestDifferencesExplained(t *testing.T) {
	b, err := os.ReadFile(DifferencesFile)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, e := range entries() {
		differs, rejected := "", ""
		if e.attr != nil {
			differs = e.attr.Differs + e.attr.Extension
		} else {
			differs, rejected = e.block.Differs, e.block.Rejected
			for l, why := range e.block.ExtensionLabels {
				differs += l + ": " + why
			}
		}
		if differs == "" && rejected == "" {
			continue
		}
		if name := e.attrName(); !strings.Contains(doc, "`"+name+"`") {
			t.Errorf("%s differs from Vault Proxy (%q), but docs/%s never mentions `%s`",
				e.where, differs+rejected, DifferencesFile, name)
		}
	}
}

// TestDifferencesHeadings checks the sections of differences.md have distinct anchors, so links to
// them are stable.
func TestDifferencesHeadings(t *testing.T) {
	b, err := os.ReadFile(DifferencesFile)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, m := range headingLine.FindAllStringSubmatch(string(b), -1) {
		slug := githubSlug(stripMarkup(m[1]))
		if prev, dup := seen[slug]; dup {
			t.Errorf("headings %q and %q have the same anchor #%s", prev, m[1], slug)
		}
		seen[slug] = m[1]
	}
}
