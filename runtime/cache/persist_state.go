package cache

import "time"

// persistence is the cache's side of the cache file. store is nil without Options.Persist, or when
// a restored file is not kept.
type persistence struct {
	store         *store
	restored      []*entry      // restored entries whose renewers wait for Start
	autoAuth0     string        // the auto-auth token restored from the file
	autoAuthID    string        // PersistOptions.AutoAuthIdentity
	exitOnErr     bool          // PersistOptions.ExitOnErr
	removeOnStart string        // the restored file Start deletes (keep_after_import = false)
	verifyWait    time.Duration // verify.go's verifyWait when 0; shortened by tests
}
