package view

import (
	"bufio"
	"io"
)

// WriteCompact writes one CompactLine for each diagnostic of r, and nothing when there is none.
func WriteCompact(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	for _, d := range r.diagnostics() {
		bw.WriteString(CompactLine(d))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
