// Package sdnotify tells systemd about the service's state, for units of Type=notify: it sends
// sd_notify(3)'s newline-separated VAR=value datagrams to the unix socket named by $NOTIFY_SOCKET
// (systemd's src/libsystemd/sd-daemon/sd-daemon.c; the protocol is documented in sd_notify(3)).
// It needs no library: the protocol is one datagram per message.
package sdnotify
