// Package mysql starts a throwaway MariaDB server for tests: Debian's
// mariadb-server binaries (installed with apt when they are missing and
// the process runs as root), a fresh data directory in a temporary
// directory, listening on 127.0.0.1 on a free port and on a unix socket in
// that directory, stopped and removed when the test ends.
package mysql

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"
)

// Server is a running MariaDB server.
type Server struct {
	// Host is the address the server listens on: 127.0.0.1.
	Host string
	// Port is its TCP port.
	Port int
	// User and Password log in over TCP with every privilege.
	User, Password string
	// Socket is the unix socket's path.
	Socket string

	dir     string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{}
}

// Start starts a server for tb and stops it when tb's cleanup runs. It
// fails tb (never skips) when the server cannot be started.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := New()
	if err != nil {
		tb.Fatalf("MariaDB: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// New starts a server in a new temporary directory. The caller must Close
// it.
func New() (*Server, error) {
	if err := ensureInstalled(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "weir-mysql-")
	if err != nil {
		return nil, err
	}
	s := &Server{Host: "127.0.0.1", User: "weir", Password: randomHex(12),
		Socket: filepath.Join(dir, "mysqld.sock"), dir: dir, logPath: filepath.Join(dir, "error.log")}
	if err := s.install(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	// A free port can be taken by someone else between the probe and the
	// server's bind: try a few.
	for attempt := 0; attempt < 5; attempt++ {
		if err = s.start(); err == nil {
			break
		}
	}
	if err == nil {
		err = s.createUser()
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close stops the server and removes its directory.
func (s *Server) Close() {
	s.stop()
	_ = os.RemoveAll(s.dir)
}

// ensureInstalled installs mariadb-server with apt when its binaries are
// missing and the process may (runs as root).
func ensureInstalled() error {
	if _, err := exec.LookPath("mariadbd"); err == nil {
		return nil
	}
	if _, err := os.Stat("/usr/sbin/mariadbd"); err == nil {
		return nil
	}
	if os.Geteuid() != 0 {
		return errors.New("mariadbd not found: install Debian's mariadb-server (apt-get install -y mariadb-server)")
	}
	out, err := exec.Command("sh", "-c", "DEBIAN_FRONTEND=noninteractive apt-get install -y mariadb-server").CombinedOutput()
	if err != nil {
		return fmt.Errorf("apt-get install mariadb-server: %w\n%s", err, out)
	}
	return nil
}

func binary(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return filepath.Join("/usr/sbin", name)
}

// userArgs runs the server as the current user; MariaDB refuses root
// unless told so explicitly.
func userArgs() []string {
	if os.Geteuid() == 0 {
		return []string{"--user=root"}
	}
	return nil
}

func (s *Server) install() error {
	args := append([]string{"--no-defaults", "--datadir=" + filepath.Join(s.dir, "data"),
		"--auth-root-authentication-method=normal", "--skip-test-db"}, userArgs()...)
	out, err := exec.Command(binary("mariadb-install-db"), args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("mariadb-install-db: %w\n%s", err, out)
	}
	return nil
}

func (s *Server) start() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.Port = port
	args := append([]string{"--no-defaults", "--datadir=" + filepath.Join(s.dir, "data"),
		"--socket=" + s.Socket, "--port=" + strconv.Itoa(port), "--bind-address=127.0.0.1",
		"--skip-networking=0", "--pid-file=" + filepath.Join(s.dir, "mysqld.pid"),
		"--log-error=" + s.logPath, "--innodb-buffer-pool-size=16M", "--skip-log-bin",
		"--innodb-flush-log-at-trx-commit=0", "--lower-case-table-names=0"}, userArgs()...)
	cmd := exec.Command(binary("mariadbd"), args...)
	setParentDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("mariadbd: %w", err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(s.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("mariadbd exited while starting:\n%s", s.log())
		default:
		}
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(s.Host, strconv.Itoa(port)), time.Second); err == nil {
			_ = c.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.stop()
	return fmt.Errorf("mariadbd did not listen within 60s:\n%s", s.log())
}

func (s *Server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM) // mariadbd ignores SIGINT
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

func (s *Server) log() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// createUser makes the test user (any host, every privilege) as root,
// which has no password on a fresh install.
func (s *Server) createUser() error {
	db, err := s.open("root", "", "")
	if err != nil {
		return err
	}
	defer db.Close()
	return execAll(db,
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", s.User, s.Password),
		fmt.Sprintf("GRANT ALL PRIVILEGES ON *.* TO '%s'@'%%' WITH GRANT OPTION", s.User))
}

// DB opens database (may be "") as the test user over TCP.
func (s *Server) DB(tb testing.TB, database string) *sql.DB {
	tb.Helper()
	db, err := s.open(s.User, s.Password, database)
	if err != nil {
		tb.Fatalf("connecting to MariaDB: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

func (s *Server) open(user, password, database string) (*sql.DB, error) {
	c := driver.NewConfig()
	c.User, c.Passwd, c.DBName = user, password, database
	c.Net, c.Addr = "tcp", net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	c.MultiStatements = true
	conn, err := driver.NewConnector(c)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// Exec runs statements as the test user, stopping at the first error.
func (s *Server) Exec(stmts ...string) error {
	db, err := s.open(s.User, s.Password, "")
	if err != nil {
		return err
	}
	defer db.Close()
	return execAll(db, stmts...)
}

func execAll(db *sql.DB, stmts ...string) error {
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			return fmt.Errorf("%s: %w", strings.SplitN(q, "\n", 2)[0], err)
		}
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
