package compile

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// A plan compiled with errors is still checked by package validate, so that one run reports every
// problem. A rule can then misfire only because of an error already reported: a misspelt tls_disable
// makes a listener look like it wants TLS. suspicion records where the compile errors are, so that
// such findings can be left out.
type suspicion struct {
	extents    []hcl.Range     // top-level blocks and attributes that hold a compile error
	all        []extent        // every top-level block and attribute
	types      map[string]bool // their block types (or attribute names)
	unreliable bool            // a syntax error, or an error outside any top-level item: trust nothing
}

// topLevelExtents returns the ranges of a file's top-level blocks and attributes. A JSON file is one
// extent: its blocks' full ranges are not exposed by the JSON parser.
type extent struct {
	rng  hcl.Range
	name string // block type or attribute name; "*" for a whole JSON file
}

func topLevelExtents(f *hcl.File, name string) []extent {
	if nb, ok := f.Body.(*hclsyntax.Body); ok {
		var out []extent
		for _, b := range nb.Blocks {
			out = append(out, extent{b.Range(), b.Type})
		}
		for _, a := range nb.Attributes {
			out = append(out, extent{a.SrcRange, a.Name})
		}
		return out
	}
	end := hcl.Pos{Line: 1 << 30, Column: 1, Byte: len(f.Bytes)}
	return []extent{{hcl.Range{Filename: name, Start: hcl.InitialPos, End: end}, "*"}}
}

func (s *suspicion) add(diags hcl.Diagnostics, extents []extent) {
	if s.types == nil {
		s.types = map[string]bool{}
	}
	s.all = extents
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		if d.Subject == nil {
			continue // a bad environment variable or flag: the file structure is intact
		}
		if e, found := extentAt(extents, *d.Subject); found {
			s.extents = append(s.extents, e.rng)
			s.types[e.name] = true
		} else {
			s.unreliable = true
		}
	}
}

// extentAt returns the extent that rng starts in: one it starts strictly inside first, and only then
// one at whose end it starts. In a file read with HCL 1 two blocks can touch (a {}b {}), and an error
// in the second must not make the first suspect.
func extentAt(extents []extent, rng hcl.Range) (extent, bool) {
	for _, e := range extents {
		if startsWithin(e.rng, rng) && rng.Start.Byte < e.rng.End.Byte {
			return e, true
		}
	}
	for _, e := range extents {
		if startsWithin(e.rng, rng) {
			return e, true
		}
	}
	return extent{}, false
}

// startsWithin reports whether inner starts inside outer (or at its end), in the same file.
func startsWithin(outer, inner hcl.Range) bool {
	return outer.Filename == inner.Filename && outer.Start.Byte <= inner.Start.Byte && inner.Start.Byte <= outer.End.Byte
}

// Suspect reports whether a diagnostic about rng might only follow from an error that Compile already
// reported: rng lies in a top-level block or attribute holding a compile error, the sources had syntax
// errors, or rng is nil (a finding about the configuration as a whole). It is false for every range when
// Compile reported no error. The CLI runs package validate on a plan with errors and leaves out the
// suspect findings, so that one run reports every problem without reporting false ones.
func (p *Plan) Suspect(rng *hcl.Range) bool {
	if p.suspect.unreliable {
		return true
	}
	if len(p.suspect.extents) == 0 {
		return false
	}
	if rng == nil {
		return true
	}
	if in, ok := extentAt(p.suspect.all, *rng); ok {
		// The item rng is in, even where two touch (extentAt).
		for _, e := range p.suspect.extents {
			if e == in.rng {
				return true
			}
		}
		return false
	}
	for _, e := range p.suspect.extents {
		if startsWithin(e, *rng) {
			return true
		}
	}
	return false
}

// HasErrorsIn reports whether Compile reported an error inside a top-level block of type blockType (or
// in a top-level attribute of that name), or in a way that leaves the whole configuration in doubt. A
// cross-block rule that reads such a block cannot trust the plan's values for it.
func (p *Plan) HasErrorsIn(blockType string) bool {
	return p.suspect.unreliable || p.suspect.types[blockType] || p.suspect.types["*"]
}
