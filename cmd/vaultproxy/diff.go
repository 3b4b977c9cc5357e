package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/mitchellh/go-wordwrap"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/plandiff"
)

// Exit codes of diff, as diff(1) and `git diff --exit-code` use them: 1 says the inputs differ,
// and 2 is trouble: a usage error, or a side that does not compile.
const (
	exitSame    = 0
	exitDiffers = 1
	exitTrouble = 2
)

// cmdDiff is `vaultproxy diff [-json] OLD NEW`: load each side as validate and plan do (a file, a
// directory, a plan file, or - for one of them), then show what differs in effect
// (plandiff.Compare): the blocks added or removed, the settings whose values differ with their old
// and new values and origins, and the example requests whose decision changes.
func cmdDiff(args []string, io *stdio, env func(string) (string, bool)) int {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	fs.SetOutput(io.err)
	asJSON := fs.Bool("json", false, "print the differences as one JSON object")
	noColor := fs.Bool("no-color", false, "never colour the diagnostics (also NO_COLOR)")
	fs.Usage = func() {
		fmt.Fprintln(io.err, "Usage: vaultproxy diff [-json] OLD NEW\n\nShows what changes in effect from the configuration OLD to NEW (each a file, a directory, a plan file written by 'vaultproxy plan -out', or - for standard input): the settings whose values differ, with their origins, the blocks added or removed, and the requests whose decision changes. Exits 0 when nothing differs, 1 when something does, 2 on a usage error or when a side does not compile.\n\nFlags:")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return exitTrouble
	}
	if len(pos) != 2 {
		fmt.Fprintf(io.err, "vaultproxy diff: want two paths, OLD and NEW; got %d\n", len(pos))
		return exitTrouble
	}
	if pos[0] == "-" && pos[1] == "-" {
		fmt.Fprintln(io.err, "vaultproxy diff: - (standard input) is named twice; it can be read only once")
		return exitTrouble
	}
	// Every diagnostic goes to stderr: stdout holds only the differences.
	diagOut := &stdio{in: io.in, out: io.err, err: io.err}
	var sides [2]loaded
	failed := false
	for i, p := range pos {
		l := loadPaths([]string{p}, io.in, nil, env)
		if l.usageError("diff", io.err) {
			return exitTrouble
		}
		if l.diags.HasErrors() {
			fmt.Fprintf(io.err, "vaultproxy diff: %s does not compile:\n", p)
			printDiagnostics(diagOut, l, *noColor, env)
			failed = true
		}
		sides[i] = l
	}
	if failed {
		return exitTrouble
	}
	d, err := plandiff.Compare(sides[0].plan, sides[1].plan)
	if err != nil {
		fmt.Fprintln(io.err, "vaultproxy diff:", err)
		return exitTrouble
	}
	if *asJSON {
		err = writeDiffJSON(io.out, pos[0], pos[1], d)
	} else {
		err = writeDiffText(io.out, pos[0], pos[1], d)
	}
	if err != nil {
		fmt.Fprintln(io.err, "vaultproxy diff:", err)
		return exitTrouble
	}
	if d.Empty() {
		return exitSame
	}
	return exitDiffers
}

// diffDocument is the -json output.
type diffDocument struct {
	Old     string `json:"old"`
	New     string `json:"new"`
	Changed bool   `json:"changed"`
	plandiff.Diff
}

func writeDiffJSON(w io.Writer, old, new string, d plandiff.Diff) error {
	b, err := json.MarshalIndent(diffDocument{Old: old, New: new, Changed: !d.Empty(), Diff: d}, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// writeDiffText writes the differences for people: blocks, then settings grouped by block, then
// requests grouped by listener, each change as a - line (old) and a + line (new) with its origin,
// and a closing count.
func writeDiffText(w io.Writer, old, new string, d plandiff.Diff) error {
	var b strings.Builder
	if d.Empty() {
		fmt.Fprintf(&b, "No changes. %s and %s have the same effect.\n", old, new)
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "Changes from %s to %s:\n", old, new)
	if len(d.Blocks) > 0 {
		b.WriteString("\nBlocks:\n")
		for _, c := range d.Blocks {
			sign := "+"
			if c.Change == "removed" {
				sign = "-"
			}
			fmt.Fprintf(&b, "  %s %s%s (%s)\n", sign, c.Block, originTag(c.Origin), c.Change)
		}
	}
	if len(d.Settings) > 0 {
		b.WriteString("\nSettings:\n")
		last := ""
		for _, c := range d.Settings {
			if c.Block != last {
				fmt.Fprintf(&b, "  %s\n", c.Block)
				last = c.Block
			}
			fmt.Fprintf(&b, "    %s\n", c.Name)
			fmt.Fprintf(&b, "      - %s\n", settingText(c.Old))
			fmt.Fprintf(&b, "      + %s\n", settingText(c.New))
		}
	}
	if len(d.Requests) > 0 {
		b.WriteString("\nRequests whose decision changes:\n")
		last := ""
		for _, c := range d.Requests {
			if c.Listener != last {
				fmt.Fprintf(&b, "  %s\n", c.Listener)
				last = c.Listener
			}
			fmt.Fprintf(&b, "    %s\n", c.Request)
			fmt.Fprintf(&b, "      - %s\n", outcomeText(c.Old))
			fmt.Fprintf(&b, "      + %s\n", outcomeText(c.New))
			for _, l := range strings.Split(wordwrap.WrapString("why: "+c.New.Reason, 70), "\n") {
				fmt.Fprintf(&b, "        %s\n", l)
			}
		}
	}
	verb := "differ"
	if len(d.Blocks)+len(d.Settings)+len(d.Requests) == 1 {
		verb = "differs"
	}
	fmt.Fprintf(&b, "\n%s %s.\n", counts(len(d.Blocks), "block", len(d.Settings), "setting", len(d.Requests), "request"), verb)
	_, err := io.WriteString(w, b.String())
	return err
}

func originTag(o string) string {
	if o == "" {
		return ""
	}
	return "  [" + o + "]"
}

func settingText(s *plandiff.Setting) string {
	if s == nil {
		return "(not in this plan)"
	}
	return string(s.Value) + originTag(s.Origin)
}

// outcomeText says what a decision does on one line.
func outcomeText(o plandiff.Outcome) string {
	if o.Status != 0 {
		s := fmt.Sprintf("answered by the proxy: %d %s", o.Status, http.StatusText(o.Status))
		if o.Endpoint != "" {
			s += " (" + o.Endpoint + ")"
		}
		return s
	}
	ns := o.Namespace
	if ns == "" {
		ns = "root"
	}
	return fmt.Sprintf("forwarded: token %s, namespace %s, cache %s, retry %s, sanitise %s",
		o.Token, ns, o.Cache, yesNo(o.Retry), yesNo(o.Sanitize))
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// counts says "1 block and 2 settings" for the pairs (count, noun) of pairs whose count is not 0.
func counts(pairs ...any) string {
	var parts []string
	for i := 0; i+1 < len(pairs); i += 2 {
		n, what := pairs[i].(int), pairs[i+1].(string)
		switch {
		case n == 1:
			parts = append(parts, "1 "+what)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %ss", n, what))
		}
	}
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
