package runtime

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A Swap before Run (a SIGHUP that wins the race against Run) applies the new plan's log settings
// as a Swap while running does, and logs the reload; a log_file that cannot open fails it and
// leaves the old plan, whose settings stay.
func TestSwapBeforeRunAppliesLogSettings(t *testing.T) {
	var out bytes.Buffer
	rt, err := New(planFrom(t, plainListener, "http://127.0.0.1:1"), Options{LogOutput: &out})
	if err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(t.TempDir(), "proxy.log")
	if err := rt.Swap(planFrom(t, plainListener+"log_format = \"json\"\nlog_file = \""+logFile+"\"\n", "http://127.0.0.1:2")); err != nil {
		t.Fatal(err)
	}
	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("after a Swap to log_format = \"json\", the log is not one JSON line: %v\n%s", err, out.String())
	}
	if line["msg"] != "configuration reloaded" || line["vault"] != "http://127.0.0.1:2" || line["serving"] != false {
		t.Errorf("log line %v, want msg \"configuration reloaded\" vault http://127.0.0.1:2 serving false", line)
	}
	if b, err := os.ReadFile(logFile); err != nil || !strings.Contains(string(b), `"msg":"configuration reloaded"`) {
		t.Errorf("log_file after the Swap: %q, %v", b, err)
	}

	out.Reset()
	bad := plainListener + "log_file = \"" + filepath.Join(t.TempDir(), "missing", "proxy.log") + "\"\n"
	if err := rt.Swap(planFrom(t, bad, "http://127.0.0.1:3")); err == nil || !strings.Contains(err.Error(), "log_file") {
		t.Fatalf("Swap with a log_file that cannot open: %v, want a log_file error", err)
	}
	if got := rt.current().up.addr; got != "http://127.0.0.1:2" {
		t.Errorf("after the failed Swap the plan is for %s, want the previous one (http://127.0.0.1:2)", got)
	}
	rt.Logger().Info("still json")
	if !strings.HasPrefix(out.String(), "{") {
		t.Errorf("after the failed Swap the log is no longer JSON: %s", out.String())
	}
}
