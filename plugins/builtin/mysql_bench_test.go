package builtin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/weir-dev/weir/plugins/builtin"
	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/sources/mysql"
	mysqltest "github.com/weir-dev/weir/test/mysql"
)

// mysqlBenchTables tables of mysqlBenchColumns columns, each with a
// foreign key to the previous one.
const mysqlBenchTables, mysqlBenchColumns = 300, 10

// BenchmarkMysqlDiscover compares a discovery by the wasm module with the
// native build of the same code, on one MariaDB server.
func BenchmarkMysqlDiscover(b *testing.B) {
	srv := mysqltest.Start(b)
	stmts := []string{"CREATE DATABASE bench"}
	for i := 0; i < mysqlBenchTables; i++ {
		cols := []string{"id INT PRIMARY KEY", "prev_id INT"}
		for c := 2; c < mysqlBenchColumns; c++ {
			cols = append(cols, fmt.Sprintf("c%d VARCHAR(40)", c))
		}
		if i > 0 {
			cols = append(cols, fmt.Sprintf("FOREIGN KEY (prev_id) REFERENCES bench.t%04d(id)", i-1))
		}
		stmts = append(stmts, fmt.Sprintf("CREATE TABLE bench.t%04d (%s)", i, strings.Join(cols, ", ")))
	}
	if err := srv.Exec(stmts...); err != nil {
		b.Fatal(err)
	}
	raw, _ := json.Marshal(map[string]any{"host": srv.Host, "port": srv.Port, "user": srv.User, "password": srv.Password, "database": "bench"})
	cfg, err := mysql.Validate(raw)
	if err != nil {
		b.Fatal(err)
	}
	src := builtin.Sources(hostOptions(b))["mysql"]
	if _, err := src.Describe(context.Background()); err != nil { // compile outside the timing
		b.Fatal(err)
	}
	for name, discover := range map[string]func(emit func([]model.Item) error) error{
		"native": func(emit func([]model.Item) error) error { return mysql.Discover(context.Background(), cfg, nil, emit) },
		"wasm":   func(emit func([]model.Item) error) error { return src.Discover(context.Background(), raw, emit) },
	} {
		b.Run(name, func(b *testing.B) {
			var assets int
			b.ReportAllocs()
			for b.Loop() {
				assets = 0
				if err := discover(func(items []model.Item) error {
					for _, it := range items {
						if it.Asset != nil {
							assets++
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			if assets != mysqlBenchTables+1 {
				b.Fatalf("%d assets, want %d", assets, mysqlBenchTables+1)
			}
			b.ReportMetric(float64(assets)/(b.Elapsed().Seconds()/float64(b.N)), "assets/s")
		})
	}
}
