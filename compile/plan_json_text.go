package compile

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Plan.MarshalJSON builds the document as a tree of jsonNode, in the order of the plan layout
// (plan_layout.go), and writes it with writeJSONNode: an object or array that holds no object is
// written on one line ({"value": "x", "origin": "default"}); any other is indented by two spaces a
// level, one member a line.

// marshalNoEscape marshals v compactly, leaving <, > and & as they are (a file named <stdin>).
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// jsonNode is a parsed JSON value that keeps the order of object keys.
type jsonNode struct {
	obj, arr bool
	keys     []string    // of an object
	elems    []*jsonNode // of an object (one per key) or an array
	scalar   []byte      // a string, number, true, false or null, as written
}

// flat reports whether n holds no object, so that it is written on one line.
func (n *jsonNode) flat() bool {
	for _, e := range n.elems {
		if e.obj || !e.flat() {
			return false
		}
	}
	return true
}

func writeJSONNode(out *bytes.Buffer, n *jsonNode, depth int) error {
	if !n.obj && !n.arr {
		out.Write(n.scalar)
		return nil
	}
	open, closing := byte('['), byte(']')
	if n.obj {
		open, closing = '{', '}'
	}
	oneLine := n.flat() && (!n.obj || depth > 0)
	out.WriteByte(open)
	for i, e := range n.elems {
		if i > 0 {
			out.WriteByte(',')
			if oneLine {
				out.WriteByte(' ')
			}
		}
		if !oneLine {
			out.WriteByte('\n')
			out.WriteString(strings.Repeat("  ", depth+1))
		}
		if n.obj {
			k, err := marshalNoEscape(n.keys[i])
			if err != nil {
				return err
			}
			out.Write(k)
			out.WriteString(": ")
		}
		if err := writeJSONNode(out, e, depth+1); err != nil {
			return err
		}
	}
	if !oneLine && len(n.elems) > 0 {
		out.WriteByte('\n')
		out.WriteString(strings.Repeat("  ", depth))
	}
	out.WriteByte(closing)
	return nil
}
