package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vaultproxy/vaultproxy/fixtures"
)

// fixedTestClock stands in for the clock in the goldens: every run starts at the same instant and
// takes no time, so JUnit's time attribute is left out and its timestamp and the JSON's @timestamp
// are this one.
func fixedTestClock(t *testing.T) {
	t.Helper()
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	prev := testClock
	testClock = func() time.Time { return at }
	t.Cleanup(func() { testClock = prev })
}

// writeCase writes a case's files into a fresh directory, makes it the working directory (so that
// the outputs name files as a user in that directory sees them) and returns it.
func writeCase(t *testing.T, c *fixtures.Case) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range c.Files {
		writeFiles(t, dir, map[string]string{f.Name: string(f.Data)})
	}
	t.Chdir(dir)
	return dir
}

// caseEnv is the process environment of a case's command: the env section. A run sees only its own
// env attribute, so what is here must never reach a plan (the env case checks it).
func caseEnv(c *fixtures.Case) map[string]string { return c.Env }

// TestTestGoldens runs `vaultproxy test` over every case of fixtures/test and compares its human
// output (stdout and stderr as a terminal interleaves them, with -no-color), its exit code, its -json
// messages and its -junit-xml report with the case's want sections. The flags section holds the
// case's own flags (-filter, -verbose).
func TestTestGoldens(t *testing.T) {
	for _, c := range fixtures.Load(t, "test") {
		t.Run(strings.TrimPrefix(c.Name, "test/"), func(t *testing.T) {
			fixedTestClock(t)
			writeCase(t, c)

			var human bytes.Buffer
			code := run(append([]string{"test", "-no-color"}, c.Flags...), &stdio{in: strings.NewReader(""), out: &human, err: &human}, mapEnv(caseEnv(c)))
			c.Check(t, "human", human.Bytes())
			c.Check(t, "exit", []byte(strconv.Itoa(code)+"\n"))

			var out, errb bytes.Buffer
			jcode := run(append([]string{"test", "-json", "-junit-xml=report.xml"}, c.Flags...), &stdio{in: strings.NewReader(""), out: &out, err: &errb}, mapEnv(caseEnv(c)))
			if jcode != code || errb.Len() != 0 {
				t.Errorf("-json: exit %d (human: %d), stderr %q: want the same exit code and nothing on stderr", jcode, code, errb.String())
			}
			c.Check(t, "json", out.Bytes())
			report, err := os.ReadFile(filepath.Join(".", "report.xml"))
			if err != nil {
				if _, want := c.Want("junit.xml"); want {
					t.Fatalf("no JUnit report: %v", err)
				}
				return // an invalid test file runs nothing and writes no report, as in Terraform
			}
			// Terraform's report ends at </testsuites>, without a newline; a want section ends with one.
			if bytes.HasSuffix(report, []byte("\n")) {
				t.Error("the JUnit report ends with a newline, which Terraform's does not")
			}
			c.Check(t, "junit.xml", append(report, '\n'))
		})
	}
}
