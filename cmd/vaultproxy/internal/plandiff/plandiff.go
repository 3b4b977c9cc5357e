package plandiff

import (
	"bytes"

	"github.com/vaultproxy/vaultproxy/compile"
)

// Diff is what differs between an old and a new plan. Its lists are never nil, so that its JSON
// form has arrays.
type Diff struct {
	// Blocks are the blocks written on one side only (a listener, cache, auto_auth, a sink...);
	// the blocks nested in them and their settings are not listed again.
	Blocks []BlockChange `json:"blocks"`
	// Settings are the settings whose value differs in a block both plans have, in document order.
	Settings []SettingChange `json:"settings"`
	// Requests are the example requests whose decision differs on a listener both plans have.
	Requests []RequestChange `json:"requests"`
}

// BlockChange is a block that only one plan has.
type BlockChange struct {
	Block string `json:"block"`
	// Change is "added" (only the new plan has it) or "removed".
	Change string `json:"change"`
	// Origin is the block's header in the plan that has it ("" for a block without one).
	Origin string `json:"origin"`
}

// SettingChange is a setting whose value differs. Old or New is nil for a setting that one side
// does not have (a key of a method's config written on one side only).
type SettingChange struct {
	Block string   `json:"block"`
	Name  string   `json:"name"`
	Old   *Setting `json:"old"`
	New   *Setting `json:"new"`
}

// Empty reports that nothing differs.
func (d Diff) Empty() bool {
	return len(d.Blocks) == 0 && len(d.Settings) == 0 && len(d.Requests) == 0
}

// Compare compares the plans old and new.
func Compare(old, new *compile.Plan) (Diff, error) {
	of, err := flatten(old)
	if err != nil {
		return Diff{}, err
	}
	nf, err := flatten(new)
	if err != nil {
		return Diff{}, err
	}
	d := Diff{Blocks: []BlockChange{}, Settings: []SettingChange{}}
	d.Blocks = blockChanges(of, nf)
	d.Settings = settingChanges(of, nf)
	d.Requests = requestChanges(old, new)
	return d, nil
}

// blockChanges lists the blocks one side has, outermost only: the new plan's in its order, then
// the old plan's.
func blockChanges(of, nf flat) []BlockChange {
	oldHas, newHas := names(of), names(nf)
	out := []BlockChange{}
	for _, b := range nf.blocks {
		if !oldHas[b.name] && (b.parent == "" || oldHas[b.parent]) {
			out = append(out, BlockChange{Block: b.name, Change: "added", Origin: b.origin})
		}
	}
	for _, b := range of.blocks {
		if !newHas[b.name] && (b.parent == "" || newHas[b.parent]) {
			out = append(out, BlockChange{Block: b.name, Change: "removed", Origin: b.origin})
		}
	}
	return out
}

func names(f flat) map[string]bool {
	m := map[string]bool{}
	for _, b := range f.blocks {
		m[b.name] = true
	}
	return m
}

// settingChanges lists the settings of the blocks both plans have whose values differ, in the new
// plan's order, then the settings only the old plan has.
func settingChanges(of, nf flat) []SettingChange {
	oldHas, newHas := names(of), names(nf)
	type key struct{ block, name string }
	olds := map[key]Setting{}
	for _, e := range of.settings {
		olds[key{e.block, e.name}] = e.s
	}
	out := []SettingChange{}
	seen := map[key]bool{}
	for _, e := range nf.settings {
		k := key{e.block, e.name}
		seen[k] = true
		if !oldHas[e.block] {
			continue
		}
		o, ok := olds[k]
		if ok && bytes.Equal(o.Value, e.s.Value) {
			continue
		}
		n := e.s
		c := SettingChange{Block: e.block, Name: e.name, New: &n}
		if ok {
			c.Old = &o
		}
		out = append(out, c)
	}
	for _, e := range of.settings {
		if k := (key{e.block, e.name}); !seen[k] && newHas[e.block] {
			o := e.s
			out = append(out, SettingChange{Block: e.block, Name: e.name, Old: &o})
		}
	}
	return out
}
