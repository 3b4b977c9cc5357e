package diagcode

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Code names one kind of diagnostic. Several summaries with the same meaning share a code; a code
// never covers two different problems. Name is stable: tools match on it.
type Code struct {
	// Name is snake_case: unsupported_argument.
	Name string
	// Description says in one line what the diagnostic means.
	Description string
	// Example is what produces it: a configuration snippet, or, for a code that comes from the
	// environment, a flag or a path rather than a file, a command line starting with "$ ".
	Example string
}

// DiagnosticCode makes a *Code a Carrier: a diagnostic's Extra may be the code itself.
func (c *Code) DiagnosticCode() *Code { return c }

// String is the code's name.
func (c *Code) String() string { return c.Name }

// Carrier is what hcl.Diagnostic.Extra holds for a diagnostic with a code: the *Code itself, or a
// value that wraps another Extra (Set makes one when the diagnostic already had an Extra).
type Carrier interface {
	DiagnosticCode() *Code
}

var (
	registry  = map[string]*Code{}
	validName = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
)

// New declares and registers a code. It is called once per code, to initialise a package-level
// variable beside the check that emits it, and panics on a name that is not snake_case or is
// already taken, on a description that is not one line, or on an empty example: a mistake there
// stops every program and test at start-up.
func New(name, description, example string) *Code {
	switch {
	case !validName.MatchString(name):
		panic(fmt.Sprintf("diagcode: %q is not a snake_case name", name))
	case registry[name] != nil:
		panic(fmt.Sprintf("diagcode: %q is declared twice", name))
	case description == "" || strings.ContainsAny(description, "\r\n"):
		panic(fmt.Sprintf("diagcode: %q needs a one-line description", name))
	case strings.TrimSpace(example) == "":
		panic(fmt.Sprintf("diagcode: %q needs an example", name))
	}
	c := &Code{Name: name, Description: description, Example: example}
	registry[name] = c
	return c
}

// All returns every registered code, sorted by name. It holds the codes of the packages linked
// into the program: compile's and validate's wherever both are imported.
func All() []*Code {
	out := make([]*Code, 0, len(registry))
	for _, c := range registry {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the registered code of that name, or nil.
func Lookup(name string) *Code { return registry[name] }

// Of returns the code of d, or nil when d has none (or d is nil).
func Of(d *hcl.Diagnostic) *Code {
	if d == nil {
		return nil
	}
	if c, ok := hcl.DiagnosticExtra[Carrier](d); ok {
		return c.DiagnosticCode()
	}
	return nil
}

// Name returns the name of d's code, or "" when it has none.
func Name(d *hcl.Diagnostic) string {
	if c := Of(d); c != nil {
		return c.Name
	}
	return ""
}

// Set gives d the code c, replacing any code it had, and returns d. An Extra of another kind that
// d already holds (hcl/v2 puts some there) is kept, wrapped, so that hcl.DiagnosticExtra still
// finds it.
func (c *Code) Set(d *hcl.Diagnostic) *hcl.Diagnostic {
	switch e := d.Extra.(type) {
	case nil, *Code:
		d.Extra = c
	case *wrapped:
		d.Extra = &wrapped{code: c, inner: e.inner}
	default:
		d.Extra = &wrapped{code: c, inner: e}
	}
	return d
}

// wrapped is a code around another Extra value.
type wrapped struct {
	code  *Code
	inner any
}

func (w *wrapped) DiagnosticCode() *Code              { return w.code }
func (w *wrapped) UnwrapDiagnosticExtra() interface{} { return w.inner }
