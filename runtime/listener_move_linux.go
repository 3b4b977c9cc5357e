package runtime

import (
	"context"
	"errors"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// shareAddr sets or clears SO_REUSEPORT on a bound socket (socket(7)): the kernel checks it when
// another socket binds an overlapping address, so it may be set on a socket that listens already.
func shareAddr(ln net.Listener, on bool) error {
	v := 0
	if on {
		v = 1
	}
	return control(ln, func(fd int) error { return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, v) })
}

// listenShared listens with SO_REUSEPORT set before the bind.
func listenShared(network, address string) (net.Listener, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) { serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1) }); err != nil {
			return err
		}
		return serr
	}}
	return lc.Listen(context.Background(), network, address)
}

// acceptQueue is how many connections wait in a listening socket's accept queue: for a socket in
// the LISTEN state, TCP_INFO's tcpi_unacked holds it (tcp_get_info in the kernel's
// net/ipv4/tcp.c).
func acceptQueue(ln net.Listener) (int, error) {
	var n int
	err := control(ln, func(fd int) error {
		info, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
		if err != nil {
			return err
		}
		n = int(info.Unacked)
		return nil
	})
	return n, err
}

func control(ln net.Listener, f func(fd int) error) error {
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return errors.New("not a socket")
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := raw.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}
