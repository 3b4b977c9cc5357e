package compile

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/vaultproxy/vaultproxy/diagcode"
	"github.com/vaultproxy/vaultproxy/schema"
)

// Options are the inputs besides the sources. The compiler reads nothing else: tests pass their own.
type Options struct {
	// Env looks up an environment variable (os.LookupEnv in the CLI); nil is an empty environment.
	Env func(name string) (string, bool)
	// Flags holds the command-line flags that mirror Vault Proxy's, by name without dashes ("address",
	// "ca-cert", "ca-path", "client-cert", "client-key", "tls-server-name", "tls-skip-verify",
	// "namespace", "log-level", "log-format", "log-file", "exit-after-auth"). Only flags that were set
	// are present.
	Flags map[string]string
}

func (o Options) env(name string) (string, bool) {
	if o.Env == nil {
		return "", false
	}
	v, ok := o.Env(name)
	if !ok || v == "" {
		return "", false
	}
	return v, true
}

func (o Options) flag(name string) (string, bool) {
	v, ok := o.Flags[name]
	return v, ok
}

// Compile parses and decodes the sources, merges them in order as Vault Proxy merges -config files, and
// builds the Plan. Diagnostics cover syntax, unknown names (with "Did you mean"), types and values,
// duplicates, and environment hazards; cross-block rules are package validate's. The returned Plan is
// never nil; it is complete only when the diagnostics hold no error.
func Compile(srcs []Source, opts Options) (*Plan, hcl.Diagnostics) {
	return compileSources(srcs, opts, false)
}

// compileSources is Compile; with hcl1Only, a native-syntax file is read with HCL 1 alone, as when
// hcl/v2 refuses it, so that FuzzHCL1 compares the two readings of a file both accept.
func compileSources(srcs []Source, opts Options, hcl1Only bool) (*Plan, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	d := &decoder{sources: map[string][]byte{}, opts: opts, hcl1: map[string]bool{}}
	parser := hclparse.NewParser()
	var files []*decodedBody
	var dirs []string // each file's Source.Dir
	var names []string
	var susp suspicion
	var extents []extent
	for _, src := range srcs {
		d.sources[src.Name] = src.Bytes
		names = append(names, src.Name)
		var sb syntaxBody
		var f *hcl.File
		var pdiags hcl.Diagnostics
		json := src.isJSON()
		text := src.Bytes
		if bytes.HasPrefix(text, utf8BOM) {
			diags = append(diags, bomError(src.Name))
			if json {
				// HCL's JSON parser does not skip the mark as its native parser does. Three spaces
				// keep every byte offset.
				text = append([]byte("   "), text[len(utf8BOM):]...)
			}
		}
		if json {
			f, pdiags = parser.ParseJSON(text, src.Name)
		} else {
			f, pdiags = parseNative(parser, src.Bytes, src.Name, chunkedParseMin, parseChunkSize)
			if pdiags.HasErrors() || hcl1Only {
				// hcl/v2 first, unchanged for HCL 2; then HCL 1, which Vault Proxy reads with.
				if hf, hdiags, ok := readHCL1(src.Bytes, src.Name, pdiags); ok {
					f, pdiags = hf, hdiags
					d.hcl1[src.Name] = true
				} else {
					pdiags = explainHCL1(pdiags, src.Bytes)
				}
			} else if nb, ok := f.Body.(*hclsyntax.Body); ok {
				pdiags = append(pdiags, hcl1Heredocs(nb, src.Bytes)...)
			}
		}
		pdiags = withCodes(pdiags, codeSyntaxError)
		diags = append(diags, pdiags...)
		if pdiags.HasErrors() {
			susp.unreliable = true
		}
		if f == nil || f.Body == nil {
			continue
		}
		if pdiags.HasErrors() && json {
			// The JSON parser's recovery leaves values that are not what was meant (a property
			// after a trailing comma is lost): reading them would only add false findings.
			continue
		}
		extents = append(extents, topLevelExtents(f, src.Name)...)
		if nb, ok := f.Body.(*hclsyntax.Body); ok {
			sb = nativeBody{nb}
		} else {
			sb = jsonBody{f.Body}
		}
		body, bdiags := d.decodeBody(sb, schema.Root, "")
		diags = append(diags, bdiags...)
		files = append(files, body)
		dirs = append(dirs, src.Dir)
	}
	m, mdiags := merge(files, dirs)
	diags = append(diags, mdiags...)
	b := &builder{opts: opts}
	p := b.build(m)
	p.files = names
	diags = append(diags, b.diags...)
	for _, diag := range diags {
		diag.Subject, diag.Context = d.inFile(diag.Subject), d.inFile(diag.Context)
	}
	susp.add(diags, extents)
	p.suspect = susp
	return p, diags
}

var codeByteOrderMark = diagcode.New("byte_order_mark",
	"A file starts with a UTF-8 byte order mark, which Vault Proxy's HCL 1 fails to load.",
	"$ printf '\\xef\\xbb\\xbfvault {}\\n' > proxy.hcl; vaultproxy validate proxy.hcl")

// bomError is the error for a file that starts with a UTF-8 byte order mark: Vault Proxy's HCL 1
// fails to load it ("At 1:1: illegal char"), whatever follows. The rest of the file is still read.
func bomError(name string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Byte order mark",
		Detail:   "The file starts with a UTF-8 byte order mark (bytes EF BB BF), which Vault Proxy's HCL 1 fails to load (\"illegal char\"). Save the file as UTF-8 without a byte order mark.",
		Subject: &hcl.Range{Filename: name,
			Start: hcl.Pos{Line: 1, Column: 1, Byte: 0},
			End:   hcl.Pos{Line: 1, Column: 2, Byte: len(utf8BOM)}},
		Extra: codeByteOrderMark,
	}
}

// inFile returns r, or a copy that lies in its file where HCL's range does not: a function call
// whose closing parenthesis is missing has an unset end, and the JSON scanner can end a range past
// the end of the file. Such a range is made empty, at its start (at the end of the file at most).
func (d *decoder) inFile(r *hcl.Range) *hcl.Range {
	if r == nil {
		return nil
	}
	src, known := d.sources[r.Filename]
	if !known || (r.Start.Byte <= r.End.Byte && r.End.Byte <= len(src)) {
		return r
	}
	fixed := *r
	if fixed.Start.Byte > len(src) {
		fixed.Start.Column -= fixed.Start.Byte - len(src)
		fixed.Start.Byte = len(src)
	}
	fixed.End = fixed.Start
	return &fixed
}

// merged is the union of every file, as Vault Proxy's Config.Merge makes it.
type merged struct {
	vals      map[string]*decodedValue
	blocks    map[string]*decodedBlock
	listeners []*decodedBlock
}

var codeReplacedByLaterFile = diagcode.New("replaced_by_later_file",
	"A block or top-level argument set in an earlier file is replaced whole by a later file's, as Vault Proxy merges files.",
	"$ vaultproxy validate a.hcl b.hcl  # both hold a vault block")

// merge combines files in order, as Vault Proxy's Config.Merge does: a later vault, api_proxy, cache,
// auto_auth or telemetry block replaces an earlier one whole (with a warning naming both), listeners
// add up, a later non-empty top-level attribute replaces an earlier one (with a warning; so
// exit_after_auth is true if any file sets it), and the disable_idle_connections and
// disable_keep_alives lists are joined. dirs holds each file's Source.Dir: when the replaced setting
// comes from a file of the same directory, the warning adds that Vault Proxy's order, and so the
// winner, is not defined there.
func merge(files []*decodedBody, dirs []string) (*merged, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	m := &merged{vals: map[string]*decodedValue{}, blocks: map[string]*decodedBlock{}}
	from := map[string]string{} // the directory of the file that gave each kept attribute and block
	sameDir := func(key, dir string) string {
		if dir == "" || from[key] != dir {
			return ""
		}
		return fmt.Sprintf(" Both files are in the directory %s, which Vault Proxy reads in file-system order, not sorted by name as vaultproxy does: there, which of the two wins is not defined. Keep each block and setting in one file of a directory.", dir)
	}
	for i, f := range files {
		dir := dirs[i]
		for _, a := range schema.Root.Attributes {
			v := f.vals[a.Name]
			if v == nil {
				continue
			}
			if prev := m.vals[a.Name]; prev != nil {
				if a.Kind == schema.StringList {
					// Vault Proxy ORs the subsystems these name across files.
					union := *v
					union.list = appendNew(append([]string(nil), prev.list...), v.list...)
					m.vals[a.Name] = &union
					continue
				}
				if isZero(v) {
					continue // Vault Proxy keeps the earlier value over a later empty one (exit_after_auth: OR)
				}
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagWarning,
					Summary:  "Argument set in several files",
					Detail: fmt.Sprintf("%s was already set at %s; this later value replaces it, as Vault Proxy merges files.%s",
						a.Name, prev.attr.nameRange, sameDir("attr "+a.Name, dir)),
					Subject: v.attr.nameRange.Ptr(),
					Context: v.attr.rng.Ptr(),
					Extra:   codeReplacedByLaterFile,
				})
			}
			m.vals[a.Name] = v
			from["attr "+a.Name] = dir
		}
		for _, nb := range schema.Root.Blocks {
			bs := f.blocks[nb.Type]
			if nb.Type == "listener" {
				m.listeners = append(m.listeners, bs...)
				continue
			}
			if len(bs) == 0 {
				continue
			}
			if prev := m.blocks[nb.Type]; prev != nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagWarning,
					Summary:  fmt.Sprintf("%s block replaced", nb.Type),
					Detail: fmt.Sprintf("The %s block at %s is replaced whole by this one from a later file, as Vault Proxy merges files; none of its settings are kept.%s",
						nb.Type, prev.defRange, sameDir("block "+nb.Type, dir)),
					Subject: bs[0].defRange.Ptr(),
					Extra:   codeReplacedByLaterFile,
				})
			}
			m.blocks[nb.Type] = bs[0]
			from["block "+nb.Type] = dir
		}
	}
	return m, diags
}

// isZero reports whether a value is its type's zero, which a later file does not use to replace an
// earlier value when Vault Proxy merges files (configutil.Merge, Config.Merge).
func isZero(v *decodedValue) bool {
	switch v.sch.Kind {
	case schema.Bool:
		return !v.b
	case schema.Int:
		return v.i == 0
	case schema.Duration:
		return v.d == 0
	case schema.String:
		return v.s == ""
	}
	return false
}

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		if !contains(list, it) {
			list = append(list, it)
		}
	}
	return list
}

// CanonicalNamespace writes a namespace path as Vault does (helper/namespace.Canonicalize): no leading
// slash, one trailing slash, "" for the root namespace.
func CanonicalNamespace(ns string) string {
	ns = strings.TrimSpace(ns)
	if ns == "" || ns[0] != '/' && !strings.Contains(ns, "//") {
		// Nothing to split and join (the proxy's per-request path): canonical already, or but for
		// its trailing slash.
		if ns == "" || ns[len(ns)-1] == '/' {
			return ns
		}
		return ns + "/"
	}
	parts := strings.Split(ns, "/")
	kept := parts[:0]
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	if len(kept) == 0 {
		return ""
	}
	return strings.Join(kept, "/") + "/"
}
