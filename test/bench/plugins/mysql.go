package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	mysqltest "github.com/weir-dev/weir/test/mysql"
)

// benchMySQL measures the mysql source on a MariaDB with the test
// fixture (shop, archive, empty) and a database bench of -mysql-tables
// tables of -mysql-columns columns, each table with a foreign key to the
// one before; discovery reads bench, as the config names one database.
func benchMySQL(ctx context.Context, tmp string) (summary, error) {
	logf("starting MariaDB")
	srv, err := mysqltest.New()
	if err != nil {
		return summary{}, err
	}
	defer srv.Close()
	logf("seeding %d tables x %d columns", *myTables, *myCols)
	start := time.Now()
	if err := mysqltest.Fixture(srv); err != nil {
		return summary{}, err
	}
	if err := srv.Exec(wideMySQL(*myTables, *myCols)...); err != nil {
		return summary{}, err
	}
	logf("seeded in %v", round(time.Since(start)))
	cfg, _ := json.Marshal(map[string]any{"host": srv.Host, "port": srv.Port, "user": srv.User, "password": srv.Password, "database": "bench"})
	warm := filepath.Join(tmp, "cache-mysql")
	if err := warmUp(ctx, "mysql", warm); err != nil {
		return summary{}, err
	}
	return compare(ctx, "mysql", fmt.Sprintf("%d tables x %d columns, foreign keys", *myTables, *myCols), warm, string(cfg), *myTables+1)
}

// wideMySQL creates database bench: tables t0000... with an id, a
// prev_id referencing the table before, and VARCHAR columns up to cols.
func wideMySQL(tables, cols int) []string {
	stmts := []string{"CREATE DATABASE bench"}
	for i := 0; i < tables; i++ {
		cs := []string{"id INT PRIMARY KEY", "prev_id INT"}
		for c := 2; c < cols; c++ {
			cs = append(cs, fmt.Sprintf("c%d VARCHAR(40) COMMENT 'column %d'", c, c))
		}
		if i > 0 {
			cs = append(cs, fmt.Sprintf("FOREIGN KEY (prev_id) REFERENCES bench.t%04d(id)", i-1))
		}
		stmts = append(stmts, fmt.Sprintf("CREATE TABLE bench.t%04d (%s) ENGINE=InnoDB", i, strings.Join(cs, ", ")))
	}
	return stmts
}
