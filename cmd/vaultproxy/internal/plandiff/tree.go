package plandiff

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// node is a JSON value that keeps its object members in document order, which encoding/json's
// maps lose: the diff lists settings in the plan's order.
type node struct {
	keys  []string
	kids  []*node // an object's members, in keys' order
	elems []*node // an array's elements
	raw   json.RawMessage
	obj   bool
	arr   bool
}

// parseTree reads a JSON document into a node tree.
func parseTree(b []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return readNode(dec)
}

func readNode(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		n := &node{obj: true}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("object key %v is not a string", k)
			}
			kid, err := readNode(dec)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, key)
			n.kids = append(n.kids, kid)
		}
		_, err := dec.Token()
		return n, err
	case json.Delim('['):
		n := &node{arr: true}
		for dec.More() {
			e, err := readNode(dec)
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, e)
		}
		_, err := dec.Token()
		return n, err
	}
	raw, err := json.Marshal(tok)
	return &node{raw: raw}, err
}

// get is the member named key of an object, or nil.
func (n *node) get(key string) *node {
	for i, k := range n.keys {
		if k == key {
			return n.kids[i]
		}
	}
	return nil
}

// str is a string scalar's value, or "".
func (n *node) str() string {
	var s string
	if n != nil && !n.obj && !n.arr {
		_ = json.Unmarshal(n.raw, &s)
	}
	return s
}

// isNull reports the JSON null: a block that was not written.
func (n *node) isNull() bool { return !n.obj && !n.arr && string(n.raw) == "null" }

// isSetting reports an object {value, origin} (a method config key also has kind).
func (n *node) isSetting() bool {
	if !n.obj || n.get("value") == nil || n.get("origin") == nil {
		return false
	}
	for _, k := range n.keys {
		if k != "value" && k != "origin" && k != "kind" {
			return false
		}
	}
	return true
}

// compact is the value in its compact JSON form, the form that is compared and shown.
func (n *node) compact() json.RawMessage {
	var b bytes.Buffer
	n.write(&b)
	return b.Bytes()
}

func (n *node) write(b *bytes.Buffer) {
	switch {
	case n.obj:
		b.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteByte(':')
			n.kids[i].write(b)
		}
		b.WriteByte('}')
	case n.arr:
		b.WriteByte('[')
		for i, e := range n.elems {
			if i > 0 {
				b.WriteByte(',')
			}
			e.write(b)
		}
		b.WriteByte(']')
	default:
		b.Write(n.raw)
	}
}
