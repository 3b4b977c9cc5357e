package testview

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/testrun"
)

// suiteOf is a suite of one file whose runs have the statuses given, as Execute leaves it.
func suiteOf(statuses ...testrun.Status) *testrun.Suite {
	f := &testrun.File{Name: "tests/a.vptest.hcl"}
	s := &testrun.Suite{Files: []*testrun.File{f}, Sources: map[string][]byte{}}
	for i, st := range statuses {
		f.Runs = append(f.Runs, &testrun.Run{Name: string(rune('a' + i)), Status: st})
		f.Status = f.Status.Merge(st)
	}
	s.Status = f.Status
	return s
}

// The human view in colour: Terraform's colours for the progress words, the statuses and the
// summary (colorizeTestStatus and Conclusion in hashicorp/terraform internal/command/views/test.go).
func TestHumanColor(t *testing.T) {
	s := suiteOf(testrun.Pass, testrun.Fail, testrun.Skip)
	var out strings.Builder
	h := &Human{Out: &out, Err: &out, Color: true, Sources: s.Sources}
	f := s.Files[0]
	h.File(f, testrun.Starting)
	for _, r := range f.Runs {
		h.Run(r, f, testrun.Complete)
	}
	h.File(f, testrun.TearDown)
	h.File(f, testrun.Complete)
	h.Conclusion(s)
	want := "tests/a.vptest.hcl... \x1b[37min progress\x1b[0m\n" +
		"  run \"a\"... \x1b[32mpass\x1b[0m\n" +
		"  run \"b\"... \x1b[31mfail\x1b[0m\n" +
		"  run \"c\"... \x1b[37mskip\x1b[0m\n" +
		"tests/a.vptest.hcl... \x1b[37mtearing down\x1b[0m\n" +
		"tests/a.vptest.hcl... \x1b[31mfail\x1b[0m\n" +
		"\n\x1b[31mFailure!\x1b[0m 1 passed, 1 failed, 1 skipped.\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// The summary line, as Terraform words it for each outcome.
func TestSummary(t *testing.T) {
	for _, c := range []struct {
		s    *testrun.Suite
		want string
	}{
		{suiteOf(), "Executed 0 tests."},
		{suiteOf(testrun.Skip, testrun.Skip), "Executed 0 tests, 2 skipped."},
		{suiteOf(testrun.Pass, testrun.Pass), "Success! 2 passed, 0 failed."},
		{suiteOf(testrun.Pass, testrun.Fail, testrun.Error), "Failure! 1 passed, 2 failed."},
	} {
		if got := summary(c.s); got != c.want {
			t.Errorf("summary = %q, want %q", got, c.want)
		}
		var out strings.Builder
		(&Human{Out: &out}).Conclusion(c.s)
		if got := out.String(); got != "\n"+c.want+"\n" {
			t.Errorf("Conclusion printed %q, want %q", got, "\n"+c.want+"\n")
		}
	}
}
