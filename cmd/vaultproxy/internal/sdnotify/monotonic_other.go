//go:build !linux

package sdnotify

// monotonicUsec is 0 where there is no systemd to compare it with.
func monotonicUsec() int64 { return 0 }
