package autoauth

import (
	"log/slog"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: every goroutine the package
// starts must end by the end of the test that started it. One goroutine is not the package's: the
// kerberos tests' scripted Vault checks SPNEGO tokens with gokrb5's service side, whose replay cache
// is a process-wide singleton with a cleaner goroutine that never ends (gokrb5/v8 service/cache.go).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/jcmturner/gokrb5/v8/service.GetReplayCache.func1.1"))
}

// testLog is the logger the tests give the methods they build themselves: NewManager gives them
// its own, and the methods do not default one.
var testLog = slog.New(slog.DiscardHandler)
