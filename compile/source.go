package compile

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"github.com/hashicorp/hcl/v2"
)

// Source is one configuration file: its name as diagnostics show it, and its bytes. As in Vault Proxy
// (HCL 1's parser), the content decides the syntax, not the name: a file whose first character other
// than white space is "{" is read as HCL's JSON syntax, any other as HCL native syntax.
type Source struct {
	Name  string
	Bytes []byte
}

// isJSON reports whether the source is read as JSON: HCL 1's lexMode rule.
func (s Source) isJSON() bool {
	trimmed := bytes.TrimLeftFunc(s.Bytes, unicode.IsSpace)
	return len(trimmed) > 0 && trimmed[0] == '{'
}

// StdinName is the name given to a configuration read from standard input.
const StdinName = "<stdin>"

// ReadSources reads configuration paths the way Vault Proxy's -config does (reference section 1.1):
// a file is read as it is; a directory contributes its *.hcl and *.json files, not recursively, sorted
// by name, skipping editor backups (*~, .#*, #*#) and hidden files; "-" reads stdin (named StdinName,
// native syntax). A path that cannot be read is an error diagnostic without a range; the other paths
// are still read.
func ReadSources(paths []string, stdin io.Reader) ([]Source, hcl.Diagnostics) {
	var out []Source
	var diags hcl.Diagnostics
	fail := func(summary, detail string) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail})
	}
	for _, p := range paths {
		if p == "-" {
			if stdin == nil {
				fail("Cannot read standard input", "No standard input is available.")
				continue
			}
			b, err := io.ReadAll(stdin)
			if err != nil {
				fail("Cannot read standard input", err.Error()+".")
				continue
			}
			out = append(out, Source{Name: StdinName, Bytes: b})
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			fail("Cannot read configuration", fmt.Sprintf("%s.", err))
			continue
		}
		if !info.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				fail("Cannot read configuration", fmt.Sprintf("%s.", err))
				continue
			}
			out = append(out, Source{Name: p, Bytes: b})
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			fail("Cannot read configuration directory", fmt.Sprintf("%s.", err))
			continue
		}
		var names []string
		for _, e := range entries {
			if e.IsDir() || !IsConfigFileName(e.Name()) {
				continue
			}
			names = append(names, e.Name())
		}
		sort.Strings(names)
		if len(names) == 0 {
			fail("No configuration files", fmt.Sprintf("The directory %s holds no *.hcl or *.json file.", p))
		}
		for _, n := range names {
			full := filepath.Join(p, n)
			b, err := os.ReadFile(full)
			if err != nil {
				fail("Cannot read configuration", fmt.Sprintf("%s.", err))
				continue
			}
			out = append(out, Source{Name: full, Bytes: b})
		}
	}
	return out, diags
}

// IsConfigFileName reports whether a directory entry is read as configuration: *.hcl or *.json, and
// not an editor backup (*~, .#*, #*#) or a hidden file.
func IsConfigFileName(name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") ||
		(strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#")) {
		return false
	}
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".hcl" || ext == ".json"
}
