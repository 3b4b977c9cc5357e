package autoauth

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: every goroutine the package
// starts must end by the end of the test that started it.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
