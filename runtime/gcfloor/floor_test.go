package gcfloor

import (
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		name              string
		floor, live, root uint64
		want              int
	}{
		// (16-3)/(3+1) = 3.25: the goal 3 + 4*3.25 = 16 MB, and heapMinimum*3.25 = 13 MB under it.
		{"small heap", 16 * mb, 3 * mb, mb, 325},
		// (8-2)/2.5 = 2.4 would put heapMinimum's goal at 9.6 MB: 200 puts it at the floor.
		{"heapMinimum's bound", 8 * mb, 2 * mb, mb / 2, 200},
		{"goal just the floor at 100", 8 * mb, 4 * mb, 0, 100},
		{"past half the floor", 8 * mb, 5 * mb, 0, 100},
		{"past the floor", 8 * mb, 200 * mb, mb, 100},
		{"nearly nothing live", 8 * mb, 1024, 0, 200},
		{"nothing at all: before the first collection", 8 * mb, 0, 0, 200},
		{"a floor under heapMinimum", 2 * mb, 0, 0, 100},
	} {
		if got := Percent(c.floor, c.live, c.root); got != c.want {
			t.Errorf("%s: Percent(%d, %d, %d) = %d, want %d", c.name, c.floor, c.live, c.root, got, c.want)
		}
	}
}

func TestStartRespectsGOGC(t *testing.T) {
	before := gogc()
	env := func(k string) (string, bool) { return "200", k == "GOGC" }
	if Start(Default, env) {
		t.Fatal("Start with GOGC in the environment started")
	}
	if got := gogc(); got != before {
		t.Fatalf("GC percentage %d after a refused Start, want %d as before it", got, before)
	}
}

// TestStartFollowsLiveHeap runs the tuner in a process of its own (Start is once per process): the
// percentage rises above 100 after a collection with a small live heap, with the runtime's heap
// goal at the floor, falls back to 100 while a live heap larger than the floor is held, and rises
// again once it is dropped.
func TestStartFollowsLiveHeap(t *testing.T) {
	if !inChild(t) {
		return
	}
	none := func(string) (string, bool) { return "", false }
	const floor = 32 << 20
	if !Start(floor, none) {
		t.Fatal("Start did not start")
	}
	if Start(floor, none) {
		t.Fatal("a second Start started again")
	}
	waitPercent(t, "small live heap", func(p int) bool { return p > 100 })
	// The runtime's goal is the floor: not past it by heapMinimum scaled with the percentage.
	if goal := heapGoal(); goal < floor || goal > floor+floor/20 {
		t.Errorf("heap goal %d with a small live heap, want the floor %d", goal, floor)
	}
	held := make([]*[1 << 20]byte, 48) // 48 MB live, past the floor
	for i := range held {
		held[i] = new([1 << 20]byte)
	}
	waitPercent(t, "48 MB live", func(p int) bool { return p == 100 })
	runtime.KeepAlive(held)
	held = nil
	waitPercent(t, "dropped", func(p int) bool { return p > 100 })
}

// TestDefaultGoal is `vaultproxy run`'s floor in a process of its own: the heap goal is Default
// once the process has collected with its small live heap.
func TestDefaultGoal(t *testing.T) {
	if !inChild(t) {
		return
	}
	Start(Default, func(string) (string, bool) { return "", false })
	waitPercent(t, "small live heap", func(p int) bool { return p > 100 })
	if goal := heapGoal(); goal < Default || goal > Default+Default/20 {
		t.Errorf("heap goal %d, want Default, %d", goal, Default)
	}
}

// inChild reports whether the test runs in the child process it is meant for; otherwise it runs
// itself in a new process of this test binary, fails if that one failed, and reports false.
func inChild(t *testing.T) bool {
	t.Helper()
	if os.Getenv("GCFLOOR_CHILD") == t.Name() {
		return true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "GOGC=") })
	cmd.Env = append(env, "GCFLOOR_CHILD="+t.Name())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s in its own process: %v\n%s", t.Name(), err, out)
	}
	return false
}

// waitPercent collects until the GC percentage satisfies ok (the tuner adjusts it in the finalizer
// goroutine after a collection), for at most 10 s.
func waitPercent(t *testing.T, when string, ok func(int) bool) {
	t.Helper()
	var p int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		runtime.GC()
		if p = gogc(); ok(p) {
			return
		}
	}
	t.Fatalf("%s: GC percentage still %d", when, p)
}

func heapGoal() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func gogc() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}
