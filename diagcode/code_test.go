package diagcode

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
)

type otherExtra struct{ n int }

func TestSetAndOf(t *testing.T) {
	a := &Code{Name: "a_code"}
	b := &Code{Name: "b_code"}
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "x"}
	if Of(d) != nil || Name(d) != "" || Of(nil) != nil {
		t.Fatalf("a diagnostic without Extra has code %v", Of(d))
	}
	if a.Set(d); Of(d) != a || d.Extra != any(a) {
		t.Fatalf("Set on an empty Extra: Extra = %#v", d.Extra)
	}
	if b.Set(d); Of(d) != b || Name(d) != "b_code" {
		t.Fatalf("Set replaces a code: got %v", Of(d))
	}

	// hcl/v2's own Extra survives, and is still found through hcl.DiagnosticExtra.
	inner := &otherExtra{n: 7}
	d2 := &hcl.Diagnostic{Extra: inner}
	a.Set(d2)
	if Of(d2) != a {
		t.Errorf("code over another Extra: got %v", Of(d2))
	}
	if got, _ := hcl.DiagnosticExtra[*otherExtra](d2); got != inner {
		t.Errorf("the wrapped Extra is lost: %#v", got)
	}
	b.Set(d2)
	if got, _ := hcl.DiagnosticExtra[*otherExtra](d2); Of(d2) != b || got != inner {
		t.Errorf("replacing a wrapped code: code %v, inner %#v", Of(d2), got)
	}
}

func TestNewRejectsBadDeclarations(t *testing.T) {
	for _, tc := range []struct{ name, desc, example string }{
		{"Unsupported-Argument", "d", "e"},
		{"trailing_", "d", "e"},
		{"", "d", "e"},
		{"test_multi_line", "one\ntwo", "e"},
		{"test_no_example", "d", " "},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(%q, %q, %q) did not panic", tc.name, tc.desc, tc.example)
				}
			}()
			New(tc.name, tc.desc, tc.example)
		}()
	}
	c := New("test_registered_once", "A test code.", "x = 1")
	defer delete(registry, c.Name)
	if Lookup("test_registered_once") != c {
		t.Fatal("Lookup does not find a registered code")
	}
	found := false
	for _, x := range All() {
		found = found || x == c
	}
	if !found {
		t.Error("All leaves out a registered code")
	}
	defer func() {
		if recover() == nil {
			t.Error("a second New of one name did not panic")
		}
	}()
	New("test_registered_once", "Again.", "x = 2")
}
