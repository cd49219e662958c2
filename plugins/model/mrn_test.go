package model

import "testing"

func TestMRN(t *testing.T) {
	for _, c := range []struct{ typ, service, name, want string }{
		// The contract's observed example (§7).
		{"Table", "PostgreSQL", "My Schema/Orders V2", "mrn://table/postgresql/my-schema-orders-v2"},
		{"Database", "PostgreSQL", "shop", "mrn://database/postgresql/shop"},
		{"Column", "postgresql", "public.Orders.ID", "mrn://column/postgresql/public.orders.id"},
		{"Table", "Post gres", "ÄÖ", "mrn://table/post gres/äö"},
	} {
		if got := MRN(c.typ, c.service, c.name); got != c.want {
			t.Errorf("MRN(%q, %q, %q) = %q, want %q", c.typ, c.service, c.name, got, c.want)
		}
	}
}
