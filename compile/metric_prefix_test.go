package compile

import "testing"

func TestMetricNamePrefix(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{``, "vault"},
		{`telemetry {}`, "vault"},
		{`telemetry { metrics_prefix = "" }`, "vault"},
		{`telemetry { metrics_prefix = "my.app-proxy" }`, "my_app_proxy"},
	} {
		p, diags := Compile([]Source{{Name: "t.hcl", Bytes: []byte(c.src)}}, Options{})
		if diags.HasErrors() {
			t.Fatalf("%s: %v", c.src, diags)
		}
		if got := p.MetricNamePrefix(); got != c.want {
			t.Errorf("%s: %q, want %q", c.src, got, c.want)
		}
	}
}
