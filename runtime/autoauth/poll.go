package autoauth

import (
	"context"
	"time"
)

// pollCredentials is the watch loop of the methods whose credentials can change under them (jwt,
// ldap, cert, aws, oci, alicloud): once start is closed (nil: at once), it calls changed every
// period until ctx ends, and signals on the returned channel each time changed reports new
// credentials. The channel holds one signal; a change seen while one is pending is the same news.
// What changed reads, and what it logs, is the method's own.
func pollCredentials(ctx context.Context, start <-chan struct{}, period time.Duration, changed func() bool) <-chan struct{} {
	ch := make(chan struct{}, 1)
	go func() {
		if start != nil {
			select {
			case <-ctx.Done():
				return
			case <-start:
			}
		}
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if changed() {
				select {
				case ch <- struct{}{}:
				default:
				}
			}
		}
	}()
	return ch
}
