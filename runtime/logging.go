package runtime

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"

	"github.com/vaultproxy/vaultproxy/compile"
)

// levelTrace is slog's level for Vault's "trace".
const levelTrace = slog.LevelDebug - 4

func parseLevel(s string) slog.Level {
	switch strings.ToLower(s) {
	case "trace":
		return levelTrace
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// switchHandler is a slog.Handler whose target a plan swap replaces (log_level, log_format).
type switchHandler struct {
	cur   *atomic.Pointer[slog.Handler]
	attrs []slog.Attr
	group string
}

func (h switchHandler) target() slog.Handler {
	t := *h.cur.Load()
	if h.group != "" {
		t = t.WithGroup(h.group)
	}
	if len(h.attrs) > 0 {
		t = t.WithAttrs(h.attrs)
	}
	return t
}

func (h switchHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return (*h.cur.Load()).Enabled(ctx, l)
}
func (h switchHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.target().Handle(ctx, r)
}
func (h switchHandler) WithAttrs(as []slog.Attr) slog.Handler {
	h.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return h
}
func (h switchHandler) WithGroup(name string) slog.Handler {
	if h.group != "" {
		name = h.group + "." + name
	}
	h.group = name
	return h
}

// logSink is the process log: standard error (or Options.LogOutput), plus log_file when set.
type logSink struct {
	out  io.Writer
	cur  atomic.Pointer[slog.Handler]
	file *os.File
}

func (ls *logSink) logger() *slog.Logger { return slog.New(switchHandler{cur: &ls.cur}) }

// apply sets the handler for a plan's log_level, log_format and log_file. Rotation settings
// (log_rotate_*) are not implemented; apply says so in its returned notes.
func (ls *logSink) apply(p *compile.Plan) (notes []string, err error) {
	w := ls.out
	var file *os.File
	if path := p.LogFile().Get(); path != "" {
		file, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
		if err != nil {
			return nil, fmt.Errorf("log_file: %w", err)
		}
		w = io.MultiWriter(ls.out, file)
		if p.LogRotateBytes().IsSet() || p.LogRotateDuration().IsSet() || p.LogRotateMaxFiles().IsSet() {
			notes = append(notes, "log_rotate_duration, log_rotate_bytes and log_rotate_max_files are not implemented; the log file grows without rotation")
		}
	}
	opts := &slog.HandlerOptions{Level: parseLevel(p.LogLevel().Get()), ReplaceAttr: replaceLevel}
	var h slog.Handler
	if p.LogFormat().Get() == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	ls.cur.Store(&h)
	if ls.file != nil {
		ls.file.Close()
	}
	ls.file = file
	return notes, nil
}

func replaceLevel(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.LevelKey {
		if l, ok := a.Value.Any().(slog.Level); ok && l <= levelTrace {
			return slog.String(slog.LevelKey, "TRACE")
		}
	}
	return a
}
