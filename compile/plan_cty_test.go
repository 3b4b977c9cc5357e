package compile_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/fixtures"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// goldenPlans returns every golden plan document: fixtures/plan's and testdata/plan-1.0's, by name.
func goldenPlans(t *testing.T) map[string][]byte {
	t.Helper()
	out := planGoldens(t)
	names, _ := filepath.Glob("testdata/plan-1.0/*.json")
	if len(names) == 0 {
		t.Fatal("no plan under testdata/plan-1.0")
	}
	for _, n := range names {
		doc, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out[n] = doc
	}
	return out
}

func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	return v
}

// TestPlanCtyValueIsThePlanJSON proves, for every golden plan, that the cty object holds what
// `plan -json` prints: the same keys, nesting and values, read back as JSON.
func TestPlanCtyValueIsThePlanJSON(t *testing.T) {
	for name, doc := range goldenPlans(t) {
		t.Run(name, func(t *testing.T) {
			p, err := compile.DecodePlanJSON(doc)
			if err != nil {
				t.Fatal(err)
			}
			v := p.CtyValue()
			fromCty, err := ctyjson.Marshal(v, v.Type())
			if err != nil {
				t.Fatal(err)
			}
			fromJSON, err := p.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(decodeAny(t, fromJSON), decodeAny(t, fromCty)); d != "" {
				t.Errorf("the cty value differs from plan -json (-json +cty):\n%s", d)
			}
			golden, cty := decodeAny(t, doc), decodeAny(t, fromCty)
			dropAddedFields(golden, cty) // a plan-1.0 file lacks them
			if d := cmp.Diff(golden, cty); d != "" {
				t.Errorf("the cty value differs from the golden plan (-golden +cty):\n%s", d)
			}
			if errs := v.Type().TestConformance(compile.PlanType()); len(errs) > 0 {
				t.Errorf("the value's type does not conform to PlanType: %v", errs)
			}
		})
	}
}

// TestCompiledPlanCtyValue checks the same for the plans that compile builds from every golden
// configuration of fixtures/compile (secrets included, which both forms redact).
func TestCompiledPlanCtyValue(t *testing.T) {
	checked := 0
	for _, c := range fixtures.Load(t, "compile") {
		srcs := make([]compile.Source, 0, len(c.Files))
		for _, f := range c.Files {
			srcs = append(srcs, compile.Source{Name: f.Name, Bytes: f.Data})
		}
		p, _ := compile.Compile(srcs, compile.Options{Env: c.LookupEnv})
		if p == nil {
			continue
		}
		checked++
		v := p.CtyValue()
		fromCty, err := ctyjson.Marshal(v, v.Type())
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		fromJSON, err := p.MarshalJSON()
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if d := cmp.Diff(decodeAny(t, fromJSON), decodeAny(t, fromCty)); d != "" {
			t.Errorf("%s: the cty value differs from plan -json (-json +cty):\n%s", c.Name, d)
		}
	}
	if checked == 0 {
		t.Fatal("no golden configuration compiled to a plan")
	}
}

// TestPlanCtyTypes pins the types that expressions over the plan rely on, whatever the plan holds:
// a value's type follows its kind, a block not written is a typed null, listeners are a list.
func TestPlanCtyTypes(t *testing.T) {
	setting := func(t cty.Type) cty.Type {
		return cty.Object(map[string]cty.Type{"value": t, "origin": cty.String})
	}
	pt := compile.PlanType()
	for _, tc := range []struct {
		path []string
		want cty.Type
	}{
		{[]string{"format_version"}, cty.String},
		{[]string{"files"}, cty.List(cty.String)},
		{[]string{"vault", "address"}, setting(cty.String)},
		{[]string{"vault", "tls_skip_verify"}, setting(cty.Bool)},
		{[]string{"vault", "num_retries"}, setting(cty.Number)},
		{[]string{"cache", "static_secret_token_capability_refresh_interval"}, setting(cty.String)}, // a duration
		{[]string{"auto_auth", "method", "config"}, cty.DynamicPseudoType},
		{[]string{"log_rotate_bytes"}, setting(cty.Number)},
	} {
		got := pt
		for _, k := range tc.path {
			if !got.IsObjectType() || !got.HasAttribute(k) {
				t.Fatalf("%v: PlanType has no %q", tc.path, k)
			}
			got = got.AttributeType(k)
		}
		if !got.Equals(tc.want) {
			t.Errorf("%v: type %s, want %s", tc.path, got.GoString(), tc.want.GoString())
		}
	}
	listener := pt.AttributeType("listeners")
	if !listener.IsListType() {
		t.Fatalf("listeners: type %s, want a list", listener.GoString())
	}
	for k, want := range map[string]cty.Type{
		"tls_min_version":   setting(cty.String),
		"tls_cipher_suites": setting(cty.List(cty.String)),
		"socket_mode":       setting(cty.String), // a file mode
		"tls_disable":       setting(cty.Bool),
	} {
		if got := listener.ElementType().AttributeType(k); !got.Equals(want) {
			t.Errorf("listeners[*].%s: type %s, want %s", k, got.GoString(), want.GoString())
		}
	}

	// A plan without the optional blocks holds typed nulls, and an empty list of listeners.
	p, err := compile.DecodePlanJSON(planGoldens(t)["no-listener-auto-auth"])
	if err != nil {
		t.Fatal(err)
	}
	v := p.CtyValue()
	if l := v.GetAttr("listeners"); !l.Type().IsListType() || l.LengthInt() != 0 {
		t.Errorf("listeners: %#v, want an empty list", l)
	}
	if c := v.GetAttr("cache"); !c.IsNull() || !c.Type().Equals(pt.AttributeType("cache")) {
		t.Errorf("cache: %#v, want a null of PlanType's cache type", c)
	}
	if tm := v.GetAttr("auto_auth").GetAttr("method").GetAttr("type").GetAttr("value"); tm.IsNull() || tm.AsString() == "" {
		t.Errorf("auto_auth.method.type: %#v, want the method's type", tm)
	}
}
