package testview

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/testrun"
)

// The abstract counts files and run blocks in Terraform's words, singular for one.
func TestJSONAbstract(t *testing.T) {
	for _, c := range []struct {
		s    *testrun.Suite
		want string
	}{
		{suiteOf(testrun.Pass), "Found 1 file and 1 run block"},
		{suiteOf(testrun.Pass, testrun.Pass), "Found 1 file and 2 run blocks"},
		{&testrun.Suite{}, "Found 0 files and 0 run blocks"},
	} {
		var out strings.Builder
		j := &JSON{Out: &out, Now: func() time.Time { return time.Unix(0, 0).UTC() }}
		j.Abstract(c.s)
		var msg map[string]any
		if err := json.Unmarshal([]byte(out.String()), &msg); err != nil {
			t.Fatal(err)
		}
		if msg["@message"] != c.want || msg["type"] != "test_abstract" || msg["@timestamp"] != "1970-01-01T00:00:00.000000Z" {
			t.Errorf("abstract message %v, want @message %q", msg, c.want)
		}
	}
}
