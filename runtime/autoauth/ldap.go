package autoauth

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/vault/api"
)

// ldapMethod logs in at <mount>/login/<username> with the password read from password_file_path,
// as Vault Proxy's ldap method does (hashicorp/vault command/agentproxyshared/auth/ldap/ldap.go):
//
//   - the file is read before each login and, once a login has succeeded, every
//     password_read_period; the password is the file's bytes as they are (a trailing newline is
//     part of it, as in Vault);
//   - a file that is absent, empty, not a regular file or a symlink to one, or unreadable leaves the
//     last password in use (an empty file is still removed);
//   - with remove_password_after_reading (the default) the file is removed once read, and with
//     remove_password_follows_symlinks the symlink's target rather than the symlink;
//   - a password that differs from the one in use signals new credentials (newCredentials), which
//     log in again under enable_reauth_on_new_credentials.
type ldapMethod struct {
	mount, username, path  string
	remove, followSymlinks bool
	period                 time.Duration
	log                    *slog.Logger

	mu     sync.Mutex
	latest string
	// succeeded is closed by the first successful login: the file is only watched after it, so
	// that the password read at start-up does not count as a new one (Vault's credSuccessGate).
	succeeded chan struct{}
	once      sync.Once
}

func newLDAP(mount, username, path string, remove, followSymlinks bool, period time.Duration, log *slog.Logger) *ldapMethod {
	return &ldapMethod{mount: mount, username: username, path: path, remove: remove, followSymlinks: followSymlinks,
		period: period, log: log, succeeded: make(chan struct{})}
}

func (m *ldapMethod) login(ctx context.Context, c *api.Client) (*api.Secret, error) {
	pass := m.ingest()
	if pass == "" {
		return nil, errors.New("ldap: no password has been read from password_file_path yet, cannot authenticate")
	}
	s, err := c.Logical().WriteWithContext(ctx, fmt.Sprintf("%s/login/%s", m.mount, m.username), map[string]any{"password": pass})
	if err == nil {
		m.once.Do(func() { close(m.succeeded) })
	}
	return s, err
}

// ingest reads the password file when there is one, removes it when told to, and returns the
// password to use: the one just read, or the last one.
func (m *ldapMethod) ingest() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	fi, err := os.Lstat(m.path)
	if err != nil {
		if !os.IsNotExist(err) {
			m.log.Error("ldap: cannot stat the password file", "path", m.path, "err", err)
		}
		return m.latest
	}
	target := m.path
	switch mode := fi.Mode(); {
	case mode.IsRegular():
	case mode&fs.ModeSymlink != 0:
		if target, err = filepath.EvalSymlinks(m.path); err != nil {
			// A dangling symlink: the target is not there yet.
			if !os.IsNotExist(err) {
				m.log.Error("ldap: cannot follow the password file's symlink", "path", m.path, "err", err)
			}
			return m.latest
		}
	default:
		m.log.Error("ldap: the password file is not a regular file or a symlink", "path", m.path)
		return m.latest
	}
	b, err := os.ReadFile(m.path)
	if err != nil {
		m.log.Error("ldap: cannot read the password file", "path", m.path, "err", err)
		return m.latest
	}
	if len(b) == 0 {
		m.log.Warn("ldap: the password file is empty; keeping the last password", "path", m.path)
	} else {
		m.latest = string(b)
	}
	if m.remove {
		victim := m.path
		if m.followSymlinks {
			victim = target
		}
		if err := os.Remove(victim); err != nil {
			m.log.Error("ldap: cannot remove the password file", "path", victim, "err", err)
		}
	}
	return m.latest
}

// newCredentials waits for the first successful login, then reads the password file every
// password_read_period and signals a password that differs from the last one.
func (m *ldapMethod) newCredentials(ctx context.Context) <-chan struct{} {
	return pollCredentials(ctx, m.succeeded, m.period, func() bool {
		m.mu.Lock()
		before := m.latest
		m.mu.Unlock()
		if m.ingest() == before {
			return false
		}
		m.log.Debug("ldap: new password file found")
		return true
	})
}
