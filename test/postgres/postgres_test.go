package postgres

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The helper starts a server (as the postgres user when run as root),
// loads the fixture, seeds, serves TLS, and leaves nothing behind.
func TestStartLoadSeed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := Start(t, Options{TLS: true})
	if _, err := s.LoadShop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.SeedWide(ctx, "wide", 30, 6); err != nil {
		t.Fatal(err)
	}
	// Seeding twice is a no-op.
	if err := s.SeedWide(ctx, "wide", 30, 6); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, s.DSN("wide"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var tables, cols, fks int
	if err := conn.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM pg_tables WHERE schemaname = 'wide'),
		(SELECT count(*) FROM information_schema.columns WHERE table_schema = 'wide'),
		(SELECT count(*) FROM pg_constraint WHERE contype = 'f')`).Scan(&tables, &cols, &fks); err != nil {
		t.Fatal(err)
	}
	if tables != 30 || cols != 180 || fks != 29 {
		t.Errorf("seeded %d tables, %d columns, %d foreign keys; want 30, 180, 29", tables, cols, fks)
	}
	var ssl bool
	tlsConn, err := pgx.Connect(ctx, strings.Replace(s.DSN("postgres"), "sslmode=disable", "sslmode=require", 1))
	if err == nil {
		err = tlsConn.QueryRow(ctx, `SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`).Scan(&ssl)
		tlsConn.Close(ctx)
	}
	if err != nil || !ssl {
		t.Errorf("TLS connection: ssl=%v, err=%v", ssl, err)
	}
}

func TestCloseRemovesEverything(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	dsn := s.DSN("postgres")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.DataDir); !os.IsNotExist(err) {
		t.Errorf("data directory still there: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if conn, err := pgx.Connect(ctx, dsn); err == nil {
		conn.Close(ctx)
		t.Error("the server still accepts connections after Close")
	}
	if err := s.Close(); err != nil { // idempotent
		t.Error(err)
	}
}

func TestBinDirOverride(t *testing.T) {
	t.Setenv("WEIR_PG_BIN", t.TempDir())
	if _, err := BinDir(); err == nil || !strings.Contains(err.Error(), "WEIR_PG_BIN") {
		t.Errorf("BinDir with a WEIR_PG_BIN without binaries: %v", err)
	}
}

// When no binaries are found, root installs them with apt-get (here a
// stand-in that links the real ones into place and logs its calls);
// anyone else gets told what to install.
func TestMissingBinaries(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Setenv("WEIR_PG_BIN", "")
		old := debianRoot
		debianRoot = t.TempDir()
		defer func() { debianRoot = old }()
		if _, err := BinDir(); err == nil || !strings.Contains(err.Error(), "apt-get install -y postgresql") {
			t.Errorf("BinDir without binaries, not root: %v", err)
		}
		return
	}
	binDir := findBinDir()
	if binDir == "" {
		t.Fatal("no PostgreSQL binaries to stand in for the package")
	}
	root, fakeBin := t.TempDir(), t.TempDir()
	log := filepath.Join(fakeBin, "calls")
	script := fmt.Sprintf(`#!/bin/sh
echo "$DEBIAN_FRONTEND apt-get $*" >> %s
if [ "$1" = install ]; then mkdir -p %s/99 && ln -s %s %s/99/bin; fi
`, log, root, binDir, root)
	if err := os.WriteFile(filepath.Join(fakeBin, "apt-get"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", fakeBin+":"+os.Getenv("PATH"))
	t.Setenv("WEIR_PG_BIN", "")
	old := debianRoot
	debianRoot = root
	defer func() { debianRoot = old }()

	bin, err := BinDir()
	if err != nil {
		t.Fatal(err)
	}
	if bin != filepath.Join(root, "99", "bin") {
		t.Errorf("BinDir = %s after installing", bin)
	}
	calls, _ := os.ReadFile(log)
	if want := "noninteractive apt-get update\nnoninteractive apt-get install -y --no-install-recommends postgresql\n"; string(calls) != want {
		t.Errorf("apt-get calls:\n%s\nwant\n%s", calls, want)
	}
	// Found now: no second install.
	if _, err := BinDir(); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(log); string(again) != string(calls) {
		t.Errorf("installed twice:\n%s", again)
	}
}
