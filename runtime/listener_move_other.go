//go:build !linux

package runtime

import (
	"errors"
	"net"
)

// Elsewhere than on Linux a listener is not moved to another host on the same port while it
// listens: the reload fails with the bind's error and the old listener keeps serving.

func shareAddr(net.Listener, bool) error { return errors.ErrUnsupported }

func listenShared(string, string) (net.Listener, error) { return nil, errors.ErrUnsupported }

func acceptQueue(net.Listener) (int, error) { return 0, errors.ErrUnsupported }
