package autoauth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/hashicorp/vault/api"
)

// fileSink writes the token (or its wrapping information) to a file, atomically: a temporary file in
// the same directory gets the mode, owner and group, then is renamed over the target, so that a
// reader sees the old content or the new, never a part (hashicorp/vault
// command/agentproxyshared/sink/file/file_sink.go).
type fileSink struct {
	cfg SinkConfig
	dh  *dhSealer // nil without dh_type
}

// check writes and removes a temporary file next to the sink's path, so that a sink that could
// never be written fails at start-up rather than after the first login.
func (s *fileSink) check() error {
	tmp, err := s.writeTemp([]byte{})
	if err != nil {
		return fmt.Errorf("sink %s: %w", s.cfg.Path, err)
	}
	return os.Remove(tmp)
}

func (s *fileSink) writeTemp(content []byte) (string, error) {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := fmt.Sprintf("%s.tmp.%s", s.cfg.Path, hex.EncodeToString(rnd[:]))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	_, werr := f.Write(content)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp)
		return "", err
	}
	if s.cfg.Owner != -1 || s.cfg.Group != -1 {
		if err := os.Chown(tmp, s.cfg.Owner, s.cfg.Group); err != nil {
			os.Remove(tmp)
			return "", err
		}
	}
	if err := os.Chmod(tmp, s.cfg.Mode.Perm()); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return tmp, nil
}

func (s *fileSink) write(content []byte) error {
	tmp, err := s.writeTemp(content)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, s.cfg.Path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// payload is what the sink writes for a token: the token itself, or, with the sink's wrap_ttl, the
// JSON wrapping information of a response-wrapped copy (sys/wrapping/wrap, made with the token).
func (s *fileSink) payload(ctx context.Context, newClient func(token string, wrapTTL int64) (*api.Client, error), token string) ([]byte, error) {
	if s.cfg.WrapTTL <= 0 {
		return []byte(token), nil
	}
	c, err := newClient(token, int64(s.cfg.WrapTTL.Seconds()))
	if err != nil {
		return nil, err
	}
	sec, err := c.Logical().WriteWithContext(ctx, "sys/wrapping/wrap", map[string]any{"token": token})
	if err != nil {
		return nil, fmt.Errorf("wrapping the token: %w", err)
	}
	if sec == nil || sec.WrapInfo == nil {
		return nil, errors.New("wrapping the token: no wrap info in the response")
	}
	return json.Marshal(sec.WrapInfo)
}
