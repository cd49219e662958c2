package mysql

// Fixture loads the databases the mysql source's tests expect:
//
//   - shop: customers; orders (FK → customers, twice over two
//     columns); order_items (FK → orders, FK → products); products;
//     employees (FK to itself); view order_totals; customers carries a
//     comment.
//   - archive: customers and orders again (same names as in shop),
//     orders → customers, and legacy_refs with a foreign key into shop
//     (cross-database, not an edge).
//   - empty: no tables.
func Fixture(s *Server) error {
	return s.Exec(
		"CREATE DATABASE shop", "CREATE DATABASE archive", "CREATE DATABASE empty",
		`CREATE TABLE shop.customers (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL COMMENT 'full name',
			email VARCHAR(200) DEFAULT 'none') ENGINE=InnoDB COMMENT='people who buy'`,
		`CREATE TABLE shop.products (sku VARCHAR(20) PRIMARY KEY, price DECIMAL(10,2) NOT NULL) ENGINE=InnoDB`,
		`CREATE TABLE shop.orders (id INT PRIMARY KEY, customer_id INT NOT NULL, billed_to INT,
			FOREIGN KEY (customer_id) REFERENCES shop.customers(id),
			FOREIGN KEY (billed_to) REFERENCES shop.customers(id)) ENGINE=InnoDB`,
		`CREATE TABLE shop.order_items (order_id INT, line INT, sku VARCHAR(20), qty INT NOT NULL DEFAULT 1,
			PRIMARY KEY (order_id, line),
			FOREIGN KEY (order_id) REFERENCES shop.orders(id),
			FOREIGN KEY (sku) REFERENCES shop.products(sku)) ENGINE=InnoDB`,
		`CREATE TABLE shop.employees (id INT PRIMARY KEY, manager_id INT,
			FOREIGN KEY (manager_id) REFERENCES shop.employees(id)) ENGINE=InnoDB`,
		`CREATE VIEW shop.order_totals AS SELECT o.id, SUM(i.qty) AS qty FROM shop.orders o JOIN shop.order_items i ON i.order_id = o.id GROUP BY o.id`,
		`INSERT INTO shop.customers (name) VALUES ('a'), ('b'), ('c')`,
		`CREATE TABLE archive.customers (id INT PRIMARY KEY) ENGINE=InnoDB`,
		`CREATE TABLE archive.orders (id INT PRIMARY KEY, customer_id INT,
			FOREIGN KEY (customer_id) REFERENCES archive.customers(id)) ENGINE=InnoDB`,
		`CREATE TABLE archive.legacy_refs (id INT PRIMARY KEY, customer_id INT,
			FOREIGN KEY (customer_id) REFERENCES shop.customers(id)) ENGINE=InnoDB`,
		"ANALYZE TABLE shop.customers",
	)
}
