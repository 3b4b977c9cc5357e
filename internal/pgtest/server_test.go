package pgtest

import "testing"

func TestStartAndQuery(t *testing.T) {
	s := Start(t)
	got, err := s.Query(Superuser, s.Password(), "SELECT current_user || ' ' || split_part(version(), ' ', 2) LIKE 'postgres 15%'")
	if err != nil {
		t.Fatal(err)
	}
	if got != "t" {
		t.Fatalf("query answered %q, want t (superuser postgres on PostgreSQL 15)", got)
	}
	if _, err := s.Query(Superuser, "wrong", "SELECT 1"); err == nil {
		t.Fatal("a wrong password logged in")
	}
}
