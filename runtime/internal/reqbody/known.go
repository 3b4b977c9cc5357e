package reqbody

import (
	"io"
	"net/http"
)

// readKnown is Read of a body whose declared length is within the limit and prealloc (the common
// request): one buffer of exactly that length, read whole. net/http ends such a body at its
// Content-Length, with io.ErrUnexpectedEOF when the client sends less, as Read's way does; so the
// limit cannot be passed and needs no http.MaxBytesReader.
func readKnown(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	buf := make([]byte, r.ContentLength)
	if _, err := io.ReadFull(r.Body, buf); err != nil {
		abandon(w)
		if err == io.EOF { // nothing at all came: as short a body as any
			err = io.ErrUnexpectedEOF
		}
		return nil, classify(err, r, limit)
	}
	return buf, nil
}
