package request

import "testing"

// BenchmarkDecide is the cost the model adds to every proxied request.
func BenchmarkDecide(b *testing.B) {
	p := planOf(b, vaultBlock+autoAuth+"api_proxy { use_auto_auth_token = true }\ncache {}\n"+listeners)
	l := p.Listeners()[0]
	r, err := Parse("GET /v1/secret/data/app", []string{"X-Vault-Namespace: team-1"})
	if err != nil {
		b.Fatal(err)
	}
	r.BodyUnread = true
	b.ReportAllocs()
	for b.Loop() {
		_ = Decide(p, l, r)
	}
}

// BenchmarkDecideQuiet is BenchmarkDecide's request decided as the proxy does, without sentences.
func BenchmarkDecideQuiet(b *testing.B) {
	p := planOf(b, vaultBlock+autoAuth+"api_proxy { use_auto_auth_token = true }\ncache {}\n"+listeners)
	l := p.Listeners()[0]
	r, err := Parse("GET /v1/secret/data/app", []string{"X-Vault-Namespace: team-1"})
	if err != nil {
		b.Fatal(err)
	}
	r.BodyUnread = true
	b.ReportAllocs()
	for b.Loop() {
		_ = DecideQuiet(p, l, r)
	}
}

// BenchmarkRulesDecideQuiet is BenchmarkDecideQuiet as the proxy decides: with the plan's and the
// listener's settings taken once (RulesOf), not copied per request.
func BenchmarkRulesDecideQuiet(b *testing.B) {
	p := planOf(b, vaultBlock+autoAuth+"api_proxy { use_auto_auth_token = true }\ncache {}\n"+listeners)
	l := p.Listeners()[0]
	ru := RulesOf(p, &l)
	r, err := Parse("GET /v1/secret/data/app", []string{"X-Vault-Namespace: team-1"})
	if err != nil {
		b.Fatal(err)
	}
	r.BodyUnread = true
	b.ReportAllocs()
	for b.Loop() {
		_ = ru.DecideQuiet(r)
	}
}
