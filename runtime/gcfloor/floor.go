package gcfloor

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// Default is the floor `vaultproxy run` sets: with the binary's own memory it keeps the resident
// set of a proxy serving cache hits under 45 MB (issue 12's aim; scripts/bench/run.sh prints it).
const Default = 8 << 20

// heapMinimum is the Go runtime's smallest heap goal at GOGC=100 (defaultHeapMinimum in its
// mgcpacer.go): the runtime scales it with the percentage, so that the goal is never under
// heapMinimum * percent/100 (4 MiB at 100, 8 MiB at 200).
const heapMinimum = 4 << 20

// samples are the runtime/metrics the percentage is computed from. The heap goal is
// live + (live + stacks + globals) * GOGC/100 (the Go runtime's mgcpacer.go, since Go 1.18).
var samples = []string{"/gc/heap/live:bytes", "/gc/scan/stack:bytes", "/gc/scan/globals:bytes"}

// Start sets the floor of the heap goal to floor bytes for the life of the process, unless the
// environment sets GOGC (getenv is os.LookupEnv in production), and reports whether it did. A
// second call changes nothing.
func Start(floor uint64, getenv func(string) (string, bool)) bool {
	if _, set := getenv("GOGC"); set || floor == 0 {
		return false
	}
	started := false
	once.Do(func() {
		t := &tuner{floor: floor, s: make([]metrics.Sample, len(samples)), percent: 100}
		for i, name := range samples {
			t.s[i].Name = name
		}
		t.adjust()
		t.arm()
		started = true
	})
	return started
}

var once sync.Once

// tuner sets the GC percentage after each collection.
type tuner struct {
	floor   uint64
	s       []metrics.Sample
	percent int
}

// sentinel is garbage made to be found by the next collection: its finalizer runs once that
// collection ends, adjusts the percentage and makes the next sentinel. It holds a pointer so that
// it is not a tiny allocation (whose finalizer may never run; runtime.SetFinalizer's documentation).
type sentinel struct{ t *tuner }

func (t *tuner) arm() {
	runtime.SetFinalizer(&sentinel{t: t}, func(s *sentinel) {
		s.t.adjust()
		s.t.arm()
	})
}

// adjust sets the percentage whose goal is the floor for the live heap just measured, or 100 when
// that goal is already past the floor.
func (t *tuner) adjust() {
	metrics.Read(t.s)
	p := Percent(t.floor, t.s[0].Value.Uint64(), t.s[1].Value.Uint64()+t.s[2].Value.Uint64())
	if p != t.percent {
		t.percent = p
		debug.SetGCPercent(p)
	}
}

// Percent is the GC percentage whose heap goal is floor for a live heap of live bytes and roots
// (stacks and globals) of roots bytes, never under 100 (Go's default). It is at most the
// percentage whose scaled heapMinimum is the floor: above it, that minimum would set a goal past the
// floor (the runtime's goal is the larger of the two), and before the first collection, when the
// runtime reports no live heap yet, the floor is where the first collection starts.
func Percent(floor, live, roots uint64) int {
	if live >= floor {
		return 100
	}
	most := float64(floor) * 100 / heapMinimum
	p := most
	if base := live + roots; base > 0 {
		p = min(math.Ceil(float64(floor-live)*100/float64(base)), most)
	}
	return int(max(p, 100))
}
