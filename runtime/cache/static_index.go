package cache

import (
	"net/http"
	"slices"
	"strings"
)

// indexStaticLocked makes e found by its key, its namespace-qualified path (events) and its path
// as requested (writes).
func (c *Cache) indexStaticLocked(e *entry) {
	s := c.static
	s.byKey[e.st.key] = e
	addTo(s.byFull, e.st.key.full(), e)
	addTo(s.byRel, e.st.key.rel, e)
}

// unindexStaticLocked is evictLocked's part for a static entry.
func (c *Cache) unindexStaticLocked(e *entry) {
	s := c.static
	if s.byKey[e.st.key] == e {
		delete(s.byKey, e.st.key)
	}
	removeFrom(s.byFull, e.st.key.full(), e)
	removeFrom(s.byRel, e.st.key.rel, e)
	c.m.staticEntries.Dec()
}

// staticEntriesLocked returns the entries indexed in idx under each of names, once each.
func staticEntriesLocked(idx map[string]map[*entry]struct{}, names []string) []*entry {
	var out []*entry
	for _, n := range names {
		for e := range idx[n] {
			if !slices.Contains(out, e) {
				out = append(out, e)
			}
		}
	}
	return out
}

// afterStaticWrite evicts the static entries a successful write through the proxy may have changed
// (without the event stream, which needs Vault Enterprise, nothing else would), and marks them so
// that a read sent before the write cannot store its older answer. A write is any method but GET,
// HEAD, OPTIONS and LIST. Both meanings of the namespace header count: on Vault Enterprise the
// write to path p with X-Vault-Namespace ns changes the secret ns+p, whatever form it was read in;
// on Vault OSS the header is ignored and it changes p, read with any header. A KV v2 write to
// <mount>/data/x, delete/x, undelete/x, destroy/x, metadata/x or subkeys/x changes what data/x,
// metadata/x and subkeys/x answer; the mount is not known here, so any segment of that name counts:
// at worst a secret is evicted that did not change, and read again.
func (c *Cache) afterStaticWrite(req *http.Request, resp *http.Response) {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, "LIST":
		return
	}
	if resp.StatusCode/100 != 2 {
		return
	}
	rest, ok := strings.CutPrefix(req.URL.Path, "/v1/")
	rest = strings.TrimLeft(rest, "/")
	if !ok || rest == "" {
		return
	}
	full := relatedKeys(canonicalNamespace(req.Header.Get(headerNamespace)) + rest)
	rels := relatedKeys(rest)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.static.marks.write(full, rels)
	victims := append(staticEntriesLocked(c.static.byFull, full), staticEntriesLocked(c.static.byRel, rels)...)
	for _, e := range victims {
		if !e.evicted {
			c.log.Debug("cache: static secret written through the proxy; evicted", "path", e.path, "namespace", e.namespace)
			c.evictLocked(e, reasonWritten, false)
		}
	}
}

// kvV2Ops are the KV v2 path segments that address the secret after them.
var kvV2Ops = []string{"data", "metadata", "delete", "undelete", "destroy", "subkeys"}

// kvV2Reads are the KV v2 operations a static entry can hold: what a change to a secret changes.
var kvV2Reads = []string{"data", "metadata", "subkeys"}

// relatedKeys is path and, for each segment of path that is a KV v2 operation, path with that
// segment made "data", "metadata" and "subkeys".
func relatedKeys(path string) []string {
	keys := []string{path}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if i == len(segs)-1 || !isKVv2Op(s) {
			continue
		}
		for _, op := range kvV2Reads {
			if op != s {
				alt := slices.Clone(segs)
				alt[i] = op
				keys = append(keys, strings.Join(alt, "/"))
			}
		}
	}
	return keys
}

func isKVv2Op(s string) bool { return slices.Contains(kvV2Ops, s) }

// staleMarks remember, for the static reads in flight, the writes and token revocations seen
// through the proxy since each was sent, so that a read answered before a write (or a revocation)
// but stored after it cannot put the old secret (or the revoked token) back. Guarded by Cache.mu.
type staleMarks struct {
	gen      uint64            // bumped by each write or revocation
	written  map[string]uint64 // "f"+namespace-qualified path, "r"+path as requested -> gen
	revoked  map[string]uint64 // token -> gen
	anyToken uint64            // gen of the last revocation whose token is not known (an accessor)
	inflight map[uint64]int    // gen when sent -> static reads in flight
}

func newStaleMarks() staleMarks {
	return staleMarks{written: map[string]uint64{}, revoked: map[string]uint64{}, inflight: map[uint64]int{}}
}

// begin records that sr is being sent to Vault now.
func (m *staleMarks) begin(sr *staticReq) {
	sr.gen = m.gen
	m.inflight[sr.gen]++
}

// end records that sr's answer has been handled. Once no read is in flight, no mark can matter.
func (m *staleMarks) end(sr *staticReq) {
	if m.inflight[sr.gen]--; m.inflight[sr.gen] <= 0 {
		delete(m.inflight, sr.gen)
	}
	if len(m.inflight) == 0 {
		clear(m.written)
		clear(m.revoked)
	}
}

// bump starts a new generation, first forgetting the marks no read in flight is older than.
func (m *staleMarks) bump() uint64 {
	oldest := m.gen + 1
	for g := range m.inflight {
		oldest = min(oldest, g)
	}
	for k, g := range m.written {
		if g <= oldest {
			delete(m.written, k)
		}
	}
	for k, g := range m.revoked {
		if g <= oldest {
			delete(m.revoked, k)
		}
	}
	m.gen++
	return m.gen
}

func (m *staleMarks) write(full, rels []string) {
	g := m.bump()
	for _, k := range full {
		m.written["f"+k] = g
	}
	for _, k := range rels {
		m.written["r"+k] = g
	}
}

func (m *staleMarks) revokeToken(token string) { m.revoked[token] = m.bump() }

func (m *staleMarks) revokeUnknown() { m.anyToken = m.bump() }

// stale reports whether a write to sr's secret, or a revocation that may be of its token, went
// through the proxy after sr was sent.
func (m *staleMarks) stale(sr *staticReq) bool {
	return m.written["f"+sr.key.full()] > sr.gen || m.written["r"+sr.key.rel] > sr.gen ||
		m.revoked[sr.token] > sr.gen || m.anyToken > sr.gen
}

// beginStaticRead and endStaticRead bracket the trip to Vault of a read the static cache may store.
func (c *Cache) beginStaticRead(sr *staticReq) {
	c.mu.Lock()
	c.static.marks.begin(sr)
	c.mu.Unlock()
}

func (c *Cache) endStaticRead(sr *staticReq) {
	c.mu.Lock()
	c.static.marks.end(sr)
	c.mu.Unlock()
}
