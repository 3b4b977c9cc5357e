package compile

import (
	"bytes"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// The size from which a native-syntax file is parsed in chunks, and roughly how many bytes each
// chunk holds (parseNative). Go grows a slice of more than 256 elements by a quarter at a time, so
// that filling it allocates about five times its final size, against twice for a smaller one: a
// chunk of 256 bytes, a listener block or so, stays under 256 tokens.
const (
	chunkedParseMin = 64 << 10
	parseChunkSize  = 256
)

// parseNative parses a native-syntax file as parser.ParseHCL does. A file of chunkedMin bytes or
// more is parsed in chunks of about chunkSize bytes, each starting at a top-level line that starts
// with a name: hclsyntax's lexer grows one token slice for the whole file, and for a file of a
// thousand listeners growing that slice (allocating, clearing and copying it) took a third of
// compiling it. The chunks'
// items are the file's only when every chunk parses without a diagnostic and no top-level attribute
// repeats; otherwise (a split inside a comment, heredoc or bracket leaves a chunk unclosed) the
// whole file is parsed again, so that every diagnostic is the one the whole parse gives.
// TestChunkedParse checks the chunks give the whole parse's body.
func parseNative(parser *hclparse.Parser, src []byte, filename string, chunkedMin, chunkSize int) (*hcl.File, hcl.Diagnostics) {
	if len(src) < chunkedMin || parser.Files()[filename] != nil {
		return parser.ParseHCL(src, filename)
	}
	f, ok := parseChunks(src, filename, chunkSize)
	if !ok {
		return parser.ParseHCL(src, filename)
	}
	// As ParseHCL does: a second source of the same name reads this file.
	parser.Files()[filename] = f
	return f, nil
}

// parseChunks parses src in chunks and joins their bodies into the first one; false when a chunk
// has a diagnostic or a top-level attribute repeats.
func parseChunks(src []byte, filename string, size int) (*hcl.File, bool) {
	var file *hcl.File
	var root *hclsyntax.Body
	pos := hcl.InitialPos
	for start := 0; start < len(src); {
		end := chunkEnd(src, start, size)
		f, diags := hclsyntax.ParseConfig(src[start:end], filename, pos)
		if len(diags) > 0 {
			return nil, false
		}
		body := f.Body.(*hclsyntax.Body)
		if root == nil {
			file, root = f, body
		} else {
			for name, a := range body.Attributes {
				if _, dup := root.Attributes[name]; dup {
					return nil, false
				}
				root.Attributes[name] = a
			}
			root.Blocks = append(root.Blocks, body.Blocks...)
			root.SrcRange = hcl.RangeBetween(root.SrcRange, body.SrcRange)
			root.EndRange = body.EndRange
		}
		// The chunk's end of file is where the next chunk starts.
		pos = body.EndRange.End
		start = end
	}
	if file == nil {
		return nil, false
	}
	file.Bytes = src
	return file, true
}

// chunkEnd returns where the chunk that starts at start ends: at the first line after size bytes
// that starts with a name, or at the end of src.
func chunkEnd(src []byte, start, size int) int {
	from := start + size
	for from < len(src) {
		i := bytes.IndexByte(src[from:], '\n')
		if i < 0 {
			break
		}
		next := from + i + 1
		if next < len(src) && isNameStart(src[next]) {
			return next
		}
		from = next
	}
	return len(src)
}

func isNameStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }
