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
	"github.com/vaultproxy/vaultproxy/diagcode"
)

// Source is one configuration file: its name as diagnostics show it, and its bytes. As in Vault Proxy
// (HCL 1's parser), the content decides the syntax, not the name: a file whose first character other
// than white space is "{" is read as HCL's JSON syntax, any other as HCL native syntax.
type Source struct {
	Name  string
	Bytes []byte
	// Dir is the directory that ReadSources read the file from when it was named by a directory
	// path, as that path was written; "" for a file named on its own or standard input. Vault Proxy
	// reads a directory's files in file-system order, so which of two files of one directory wins
	// when both set the same thing is not defined there (merge says so).
	Dir string
}

// isJSON reports whether the source is read as JSON: HCL 1's lexMode rule.
func (s Source) isJSON() bool { return isJSONSource(s.Bytes) }

// isJSONSource is HCL 1's lexMode rule: the content is JSON when its first character other than white
// space is "{". A byte order mark is skipped here (Compile reports it).
func isJSONSource(b []byte) bool {
	trimmed := bytes.TrimLeftFunc(bytes.TrimPrefix(b, utf8BOM), unicode.IsSpace)
	return len(trimmed) > 0 && trimmed[0] == '{'
}

// utf8BOM is the UTF-8 byte order mark, which Vault Proxy's HCL 1 rejects ("illegal char").
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// StdinName is the name given to a configuration read from standard input.
const StdinName = "<stdin>"

// The codes of ReadSources' errors. CodeUnreadableInput is exported for the CLI, which reads a plan
// file itself: a path that cannot be read is the same problem whatever the file holds.
var (
	CodeUnreadableInput = diagcode.New("unreadable_input",
		"A configuration file, directory, plan file or standard input cannot be read.",
		"$ vaultproxy validate missing.hcl")
	codeNoConfigurationFiles = diagcode.New("no_configuration_files",
		"A directory given as the configuration holds no *.hcl or *.json file.",
		"$ vaultproxy validate empty-dir/")
)

// ReadSources reads configuration paths the way Vault Proxy's -config does (hashicorp/vault
// command/proxy/config/config.go; docs/vault-proxy-behaviour.md): a file is read as it is; a
// directory contributes its files that IsConfigFileName accepts, not recursively, sorted by name
// (Vault Proxy takes them in directory order, which the file system decides); "-" reads stdin (named
// StdinName). Whatever the name, the content decides the syntax (Source). A path that cannot be read
// is an error diagnostic without a range; the other paths are still read.
func ReadSources(paths []string, stdin io.Reader) ([]Source, hcl.Diagnostics) {
	var out []Source
	var diags hcl.Diagnostics
	fail := func(summary, detail string) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Extra: CodeUnreadableInput})
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
			codeNoConfigurationFiles.Set(diags[len(diags)-1])
		}
		for _, n := range names {
			full := filepath.Join(p, n)
			b, err := os.ReadFile(full)
			if err != nil {
				fail("Cannot read configuration", fmt.Sprintf("%s.", err))
				continue
			}
			out = append(out, Source{Name: full, Bytes: b, Dir: p})
		}
	}
	return out, diags
}

// IsConfigFileName reports whether a directory entry is read as configuration, as Vault Proxy's
// LoadConfigDir decides: its name ends in ".hcl" or ".json", case-sensitively (b.HCL is skipped), and
// it is not an editor's temporary file (*~, .#*, #*#). Other hidden files are read. One exception is
// ours: a test file of `vaultproxy test` (IsTestFileName) is not configuration, although Vault Proxy
// would read it as such (docs/differences.md).
func IsConfigFileName(name string) bool {
	if strings.HasSuffix(name, "~") || strings.HasPrefix(name, ".#") ||
		(strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#")) || IsTestFileName(name) {
		return false
	}
	return strings.HasSuffix(name, ".hcl") || strings.HasSuffix(name, ".json")
}

// TestFileSuffix ends the name of a test file of `vaultproxy test`, as ".tftest.hcl" ends
// Terraform's.
const TestFileSuffix = ".vptest.hcl"

// IsTestFileName reports whether a directory entry is a test file of `vaultproxy test`.
func IsTestFileName(name string) bool { return strings.HasSuffix(name, TestFileSuffix) }
