package plandiff

import (
	"encoding/json"
	"fmt"

	"github.com/vaultproxy/vaultproxy/compile"
)

// Setting is one side of a changed setting: its value as the JSON plan writes it and its origin
// ("default", "proxy.hcl:4,3-30", "env VAULT_ADDR", "flag -address").
type Setting struct {
	Value  json.RawMessage `json:"value"`
	Origin string          `json:"origin"`
}

// block is a block object of a plan: its name in the diff, its origin, and the block holding it.
type block struct {
	name, origin, parent string
}

// entry is one setting of a plan, in the block named block.
type entry struct {
	block, name string
	s           Setting
}

// flat is a plan's blocks and settings in document order.
type flat struct {
	blocks   []block
	settings []entry
}

// TopLevel names the block of the settings at the top level of a configuration.
const TopLevel = "(top level)"

// flatten lists p's blocks and settings from its JSON document.
func flatten(p *compile.Plan) (flat, error) {
	b, err := p.MarshalJSON()
	if err != nil {
		return flat{}, err
	}
	root, err := parseTree(b)
	if err != nil {
		return flat{}, fmt.Errorf("reading the plan document: %w", err)
	}
	var f flat
	f.blocks = append(f.blocks, block{name: TopLevel})
	f.walk(root, TopLevel, "")
	return f, nil
}

// walk lists the members of the block object n, named name; prefix is the dotted path that names
// the blocks nested in it ("" at the top level).
func (f *flat) walk(n *node, name, prefix string) {
	for i, k := range n.keys {
		kid := n.kids[i]
		switch {
		case prefix == "" && (k == "format_version" || k == "files"):
			// What the document is, not what the proxy does.
		case kid.isSetting():
			f.settings = append(f.settings, entry{block: name, name: k,
				s: Setting{Value: kid.get("value").compact(), Origin: kid.get("origin").str()}})
		case kid.obj:
			f.add(kid, prefix+k, name)
		case kid.arr:
			seen := map[string]int{}
			for j, e := range kid.elems {
				if !e.obj {
					continue
				}
				f.add(e, elementName(prefix, k, j, e, seen), name)
			}
		}
		// A null is a block not written, which is absent from the list; a string member is a
		// block's origin, shown with the block.
	}
}

func (f *flat) add(n *node, name, parent string) {
	f.blocks = append(f.blocks, block{name: name, origin: n.get("origin").str(), parent: parent})
	f.walk(n, name, name+".")
}

// elementName names an element of a list of blocks: a listener by its type and address (the same
// listener may move in the file), with #2, #3 for a repeated one; anything else by its position.
func elementName(prefix, key string, i int, e *node, seen map[string]int) string {
	if prefix == "" && key == "listeners" {
		name := ListenerName(e.get("type").get("value").str(), e.get("address").get("value").str())
		seen[name]++
		if seen[name] > 1 {
			name += fmt.Sprintf(" #%d", seen[name])
		}
		return name
	}
	return fmt.Sprintf("%s%s[%d]", prefix, key, i)
}

// ListenerName is how the diff names a listener: `listener tcp 127.0.0.1:8100`.
func ListenerName(typ, address string) string {
	if address == "" {
		address = "(no socket path)"
	}
	return "listener " + typ + " " + address
}
