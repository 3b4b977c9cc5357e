package request

import "testing"

// Every member of the decision object has its place in DecisionType: a member added to Decision
// fails here until the type has it, and a member of the type that Decision lacks fails too.
func TestDecisionType(t *testing.T) {
	d := Decision{Listener: "l", Status: 405, Endpoint: EndpointQuit, Allow: "POST", Errors: []string{"e"},
		Token: TokenNone, Namespace: "ns/", Headers: Headers{Set: map[string]string{"A": "b"}, Remove: []string{"C"}},
		Cache: CacheNone, Retry: true, Sanitize: true, Reason: "r"}
	v, err := d.CtyValue()
	if err != nil {
		t.Fatal(err)
	}
	for name := range DecisionType.AttributeTypes() {
		if v.GetAttr(name).IsNull() {
			t.Errorf("%s is null for a decision that sets every field: Decision's JSON has no %q", name, name)
		}
	}
	forwarded, err := Decision{Token: TokenClient, Cache: CacheNone}.CtyValue()
	if err != nil {
		t.Fatal(err)
	}
	if errs := forwarded.GetAttr("errors"); errs.IsNull() || errs.LengthInt() != 0 {
		t.Errorf("errors of a forwarded request = %#v, want an empty list", errs)
	}
}
