package mysql

import "testing"

func TestStartAndFixture(t *testing.T) {
	s := Start(t)
	if err := Fixture(s); err != nil {
		t.Fatal(err)
	}
	db := s.DB(t, "shop")
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 6 {
		t.Fatalf("shop has %d tables and views, want 6", n)
	}
}
