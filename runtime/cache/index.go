package cache

// indexes find the cached entries: by request key, and the token and lease entries by what a
// revocation, a renewal or cache-clear names (token, accessor, lease ID), by parent token and by
// the token a lease was created with.
type indexes struct {
	byKey    map[cacheKey]*entry
	byToken  map[string]*entry
	byAcc    map[string]*entry
	byLease  map[string]*entry
	children map[string]map[*entry]struct{} // parent token -> child token entries
	leases   map[string]map[*entry]struct{} // token -> lease entries created with it
}

func newIndexes() indexes {
	return indexes{
		byKey:    map[cacheKey]*entry{},
		byToken:  map[string]*entry{},
		byAcc:    map[string]*entry{},
		byLease:  map[string]*entry{},
		children: map[string]map[*entry]struct{}{},
		leases:   map[string]map[*entry]struct{}{},
	}
}

func addTo(m map[string]map[*entry]struct{}, k string, e *entry) {
	s := m[k]
	if s == nil {
		s = map[*entry]struct{}{}
		m[k] = s
	}
	s[e] = struct{}{}
}

func removeFrom(m map[string]map[*entry]struct{}, k string, e *entry) {
	if s := m[k]; s != nil {
		delete(s, e)
		if len(s) == 0 {
			delete(m, k)
		}
	}
}
