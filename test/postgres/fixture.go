package postgres

import (
	"context"
	"fmt"
)

// Shop describes the fixture LoadShop creates.
type Shop struct {
	// Database holds the fixture schema (owned by Owner).
	Database string
	// Restricted is a database whose CONNECT privilege is revoked from
	// PUBLIC: only the superuser can connect to it.
	Restricted string
	// Owner owns Database and every object in it.
	Owner, OwnerPassword string
	// Reader is a read-only user: CONNECT, USAGE on the schemas and
	// SELECT on the tables, nothing else.
	Reader, ReaderPassword string
}

// LoadShop creates the fixture that the PostgreSQL source's tests check
// asset by asset:
//
//	database shop (owner shop_owner, comment "The shop"):
//	  public.customers        table, comment, serial PK, a commented column
//	  public.orders           table, bigserial PK; FKs to public.customers and
//	                          (across schemas) sales.regions
//	  public.customer_orders  view, comment
//	  sales.regions           table, PK, a dropped column
//	  sales.orders            table, composite PK; two FKs to sales.regions,
//	                          one to public.customers
//	  sales.order_items       table, no PK; composite FK to sales.orders
//	  sales.region_totals     materialized view
//	database restricted (CONNECT revoked from PUBLIC):
//	  public.orders           table
//
// Every table holds a few rows and everything is analysed.
func (s *Server) LoadShop(ctx context.Context) (Shop, error) {
	sh := Shop{
		Database:       "shop",
		Restricted:     "restricted",
		Owner:          "shop_owner",
		OwnerPassword:  "owner-secret",
		Reader:         "shop_reader",
		ReaderPassword: "reader-secret",
	}
	steps := []struct{ db, sql string }{
		{"postgres", fmt.Sprintf(`CREATE ROLE %s LOGIN PASSWORD '%s'; CREATE ROLE %s LOGIN PASSWORD '%s'`,
			sh.Owner, sh.OwnerPassword, sh.Reader, sh.ReaderPassword)},
		{"postgres", `CREATE DATABASE shop OWNER shop_owner`},
		{"postgres", `CREATE DATABASE restricted`},
		{"postgres", `COMMENT ON DATABASE shop IS 'The shop'; REVOKE CONNECT ON DATABASE restricted FROM PUBLIC`},
		{"restricted", `CREATE TABLE public.orders (id integer PRIMARY KEY, note text);
INSERT INTO public.orders VALUES (1, 'a'); ANALYZE`},
		{"shop", shopSQL},
		// A first connection to each database writes its relation cache
		// file, which pg_database_size counts: do it now so that the
		// sizes stay put while the tests run.
		{"postgres", `SELECT 1`},
		{"restricted", `SELECT 1`},
		{"shop", `SELECT 1`},
	}
	for _, st := range steps {
		if err := s.Exec(ctx, st.db, st.sql); err != nil {
			return Shop{}, fmt.Errorf("loading the shop fixture into %s: %w", st.db, err)
		}
	}
	return sh, nil
}

const shopSQL = `
SET ROLE shop_owner;
CREATE SCHEMA sales;
CREATE TABLE public.customers (
  id serial PRIMARY KEY,
  name text NOT NULL,
  email varchar(255),
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.customers IS 'People who buy things';
COMMENT ON COLUMN public.customers.email IS 'Contact <address> & more';
CREATE TABLE sales.regions (
  id integer PRIMARY KEY,
  code char(2) NOT NULL,
  obsolete integer,
  name text
);
ALTER TABLE sales.regions DROP COLUMN obsolete;
CREATE TABLE public.orders (
  id bigserial PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES public.customers (id),
  region_id integer REFERENCES sales.regions (id),
  total numeric(10,2) NOT NULL DEFAULT 0,
  status text DEFAULT 'new'
);
CREATE TABLE sales.orders (
  id integer,
  line integer,
  region_id integer NOT NULL REFERENCES sales.regions (id),
  ship_region_id integer REFERENCES sales.regions (id),
  customer_id integer REFERENCES public.customers (id),
  amount numeric(12,2),
  PRIMARY KEY (id, line)
);
CREATE TABLE sales.order_items (
  order_id integer NOT NULL,
  line integer NOT NULL,
  sku text NOT NULL,
  quantity integer NOT NULL DEFAULT 1,
  FOREIGN KEY (order_id, line) REFERENCES sales.orders (id, line)
);
INSERT INTO public.customers (name, email) VALUES ('Ada', 'ada@example.com'), ('Bob', NULL), ('Cy', 'cy@example.com');
INSERT INTO sales.regions VALUES (1, 'EU', 'Europe'), (2, 'US', 'United States');
INSERT INTO public.orders (customer_id, region_id, total) VALUES (1, 1, 10.50), (2, 2, 3.00);
INSERT INTO sales.orders VALUES (1, 1, 1, 2, 1, 5.00), (1, 2, 1, NULL, 1, 7.25), (2, 1, 2, 2, 3, 1.00);
INSERT INTO sales.order_items VALUES (1, 1, 'A-1', 1), (1, 1, 'B-2', 3), (1, 2, 'C-3', 1), (2, 1, 'A-1', 2);
CREATE VIEW public.customer_orders AS
  SELECT c.name, o.total FROM public.customers c JOIN public.orders o ON o.customer_id = c.id;
COMMENT ON VIEW public.customer_orders IS 'Orders with their customer';
CREATE MATERIALIZED VIEW sales.region_totals AS
  SELECT r.code, sum(o.amount) AS amount FROM sales.regions r JOIN sales.orders o ON o.region_id = r.id GROUP BY r.code;
RESET ROLE;
GRANT CONNECT ON DATABASE shop TO shop_reader;
GRANT USAGE ON SCHEMA public, sales TO shop_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public, sales TO shop_reader;
ANALYZE;
`
