package docs

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/vaultproxy/vaultproxy"

// goPackage is what `go list -json` says of one package of the module, without its tests.
type goPackage struct {
	ImportPath string
	Imports    []string // non-test imports
	Deps       []string // everything linked, non-test
}

// listPackages runs `go list -test=false -json` over the whole module: each package's own imports and
// everything it links, tests left out.
func listPackages(t *testing.T) map[string]goPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-test=false", "-json=ImportPath,Imports,Deps", "./...")
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string]goPackage{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p goPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs[strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")] = p
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages", len(pkgs))
	}
	return pkgs
}

// own returns the module's packages among paths, relative to the module ("runtime/cache").
func own(paths []string) []string {
	var out []string
	for _, p := range paths {
		if p == module {
			out = append(out, "")
		} else if rel, ok := strings.CutPrefix(p, module+"/"); ok {
			out = append(out, rel)
		}
	}
	return out
}

// TestLayout checks the package layout README.md's Layout table describes: data flows one way
// (schema -> compile -> validate -> runtime), the runtime links nothing of the CLI's presentation
// and the preview nothing of the runtime, and test servers and the golden-file harness are linked
// only by tests.
func TestLayout(t *testing.T) {
	pkgs := listPackages(t)
	// The test servers (and testproc, what they share) may use each other and the fixtures; nothing
	// else may use either outside its _test.go files.
	servers := map[string]bool{"internal/vaulttest": true, "internal/pgtest": true, "internal/ldaptest": true, "internal/krb5test": true, "internal/testproc": true}
	for name, p := range pkgs {
		for _, imp := range own(p.Imports) {
			if servers[imp] && !servers[name] || imp == "fixtures" && !servers[name] {
				t.Errorf("%s imports %s outside its tests; test servers and fixtures are for tests only", name, imp)
			}
		}
	}
	// mustNotLink: a package (and each below it) must not link any package under these prefixes.
	mustNotLink := map[string][]string{
		"diagcode":                         {"schema", "compile", "validate", "runtime", "cmd", "docs"},
		"schema":                           {"compile", "validate", "runtime", "cmd", "docs"},
		"compile":                          {"validate", "runtime", "cmd", "docs"},
		"validate":                         {"runtime", "cmd", "docs"},
		"request":                          {"validate", "runtime", "cmd", "docs", "fixtures", "internal"},
		"runtime":                          {"validate", "cmd", "docs", "fixtures", "internal"},
		"cmd/vaultproxy/internal/preview":  {"runtime"},
		"cmd/vaultproxy/internal/view":     {"runtime"},
		"cmd/vaultproxy/internal/testrun":  {"runtime"},
		"cmd/vaultproxy/internal/testview": {"runtime"},
		"cmd/vaultproxy/validatejson":      {"runtime"},
	}
	for root, banned := range mustNotLink {
		found := false
		for name, p := range pkgs {
			if name != root && !strings.HasPrefix(name, root+"/") {
				continue
			}
			found = true
			for _, dep := range own(p.Deps) {
				for _, b := range banned {
					if dep == b || strings.HasPrefix(dep, b+"/") {
						t.Errorf("%s links %s: data flows source -> compile -> validate -> runtime, and presentation stays beside the CLI", name, dep)
					}
				}
			}
		}
		if !found {
			t.Errorf("no package %s: update TestLayout with the layout", root)
		}
	}
}
