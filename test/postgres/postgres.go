// Package postgres starts a throwaway PostgreSQL server for tests and
// benchmarks: Debian's PostgreSQL binaries (installed with apt when they
// are missing and the process runs as root), a fresh data directory in a
// temporary directory, listening on 127.0.0.1 on a free port and on a unix
// socket in that directory, stopped and removed by Close.
//
// PostgreSQL refuses to run as root, so when the tests run as root the
// server runs as the system user postgres (which Debian's package creates;
// created with useradd when missing) and the temporary directory is handed
// to that user.
package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Superuser is the name of the bootstrap superuser of every server.
const Superuser = "postgres"

// Options change how a server is started.
type Options struct {
	// TLS turns ssl on, with a server certificate for 127.0.0.1, ::1 and
	// localhost signed by a CA made for this server (Server.CACertPEM).
	TLS bool
	// Settings are extra server settings (postgres -c name=value); they
	// override the defaults of this package.
	Settings map[string]string
	// HBA lines are put before the generated pg_hba.conf entries.
	HBA []string
}

// Server is a running PostgreSQL server.
type Server struct {
	// Host is the address the server listens on: 127.0.0.1.
	Host string
	// Port is its TCP port.
	Port int
	// Superuser and Password log in over TCP (scram-sha-256).
	Superuser string
	Password  string
	// SocketDir holds the unix socket (local connections are trusted).
	SocketDir string
	// DataDir is the data directory.
	DataDir string
	// BinDir holds the PostgreSQL binaries used (initdb, postgres, psql).
	BinDir string
	// Version is the server's major version, e.g. 15.
	Version int
	// CACertPEM is the PEM of the CA that signed the server certificate
	// when Options.TLS is set.
	CACertPEM []byte

	dir     string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{}
	once    sync.Once
	stopErr error
}

// Start starts a server for tb and stops it when tb's cleanup runs. It
// fails tb (never skips) when the server cannot be started.
func Start(tb testing.TB, opts ...Options) *Server {
	tb.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	s, err := New(o)
	if err != nil {
		tb.Fatalf("starting PostgreSQL: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("stopping PostgreSQL: %v", err)
		}
	})
	return s
}

// New starts a server. The caller must Close it.
func New(o Options) (*Server, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	runAs, err := serverCredential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "weir-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{
		Host:      "127.0.0.1",
		Superuser: Superuser,
		Password:  randomHex(12),
		SocketDir: filepath.Join(dir, "sock"),
		DataDir:   filepath.Join(dir, "data"),
		BinDir:    bin,
		Version:   majorOf(bin),
		dir:       dir,
		logPath:   filepath.Join(dir, "postgres.log"),
	}
	if err := s.init(runAs, o); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	// A free port can be taken by someone else between the probe and the
	// server's bind: try a few.
	for attempt := 0; ; attempt++ {
		if err = s.start(runAs, o); err == nil {
			return s, nil
		}
		if attempt == 4 || !strings.Contains(err.Error(), "could not bind") && !strings.Contains(err.Error(), "could not create any TCP/IP sockets") {
			_ = os.RemoveAll(dir)
			return nil, err
		}
	}
}

// init runs initdb and writes the certificates.
func (s *Server) init(runAs *syscall.Credential, o Options) error {
	if err := os.Chmod(s.dir, 0o700); err != nil {
		return err
	}
	if err := os.Mkdir(s.SocketDir, 0o700); err != nil {
		return err
	}
	pwfile := filepath.Join(s.dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(s.Password+"\n"), 0o600); err != nil {
		return err
	}
	if o.TLS {
		ca, cert, key, err := makeCerts()
		if err != nil {
			return fmt.Errorf("making certificates: %w", err)
		}
		s.CACertPEM = ca
		if err := os.WriteFile(filepath.Join(s.dir, "server.crt"), cert, 0o600); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(s.dir, "server.key"), key, 0o600); err != nil {
			return err
		}
	}
	if runAs != nil {
		if err := chownAll(s.dir, int(runAs.Uid), int(runAs.Gid)); err != nil {
			return err
		}
	}
	out, err := s.command(runAs, "initdb", "-D", s.DataDir, "-U", s.Superuser, "--pwfile="+pwfile,
		"--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput()
	if err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	if len(o.HBA) > 0 {
		hba := filepath.Join(s.DataDir, "pg_hba.conf")
		old, err := os.ReadFile(hba)
		if err != nil {
			return err
		}
		if err := os.WriteFile(hba, []byte(strings.Join(o.HBA, "\n")+"\n"+string(old)), 0o600); err != nil {
			return err
		}
		if runAs != nil {
			if err := os.Chown(hba, int(runAs.Uid), int(runAs.Gid)); err != nil {
				return err
			}
		}
	}
	return nil
}

// start starts postgres on a free port and waits until it accepts
// connections.
func (s *Server) start(runAs *syscall.Credential, o Options) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.Port = port
	settings := map[string]string{
		"listen_addresses":          s.Host,
		"port":                      strconv.Itoa(port),
		"unix_socket_directories":   s.SocketDir,
		"fsync":                     "off",
		"full_page_writes":          "off",
		"synchronous_commit":        "off",
		"autovacuum":                "off", // sizes and row estimates stay put
		"max_connections":           "60",
		"max_locks_per_transaction": "256",
		"shared_buffers":            "64MB",
		"logging_collector":         "off",
		"log_min_messages":          "warning",
	}
	if o.TLS {
		settings["ssl"] = "on"
		settings["ssl_cert_file"] = filepath.Join(s.dir, "server.crt")
		settings["ssl_key_file"] = filepath.Join(s.dir, "server.key")
	}
	for k, v := range o.Settings {
		settings[k] = v
	}
	args := []string{"-D", s.DataDir}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "-c", k+"="+settings[k])
	}
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := s.command(runAs, "postgres", args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	setParentDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting postgres: %w", err)
	}
	s.cmd = cmd
	s.exited = make(chan struct{})
	go func() { _ = cmd.Wait(); close(s.exited) }()

	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("postgres exited during start-up:\n%s", s.Log())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.DSN("postgres"))
		if err == nil {
			_ = conn.Close(ctx)
			cancel()
			return nil
		}
		cancel()
		if time.Now().After(deadline) {
			s.kill()
			return fmt.Errorf("postgres did not accept connections within 60s (%w):\n%s", err, s.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// command runs one of the PostgreSQL binaries, as runAs when set.
func (s *Server) command(runAs *syscall.Credential, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.BinDir, name), args...)
	cmd.Dir = s.dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "HOME=" + s.dir, "TZ=UTC"}
	if runAs != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: runAs}
	}
	return cmd
}

// DSN is the superuser's connection URL for database over TCP, without
// TLS.
func (s *Server) DSN(database string) string {
	return s.DSNFor(s.Superuser, s.Password, database)
}

// DSNFor is a connection URL for user over TCP, without TLS.
func (s *Server) DSNFor(user, password, database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(user, password),
		Host:     net.JoinHostPort(s.Host, strconv.Itoa(s.Port)),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Exec runs sql (one or more statements, simple protocol) as the
// superuser in database. Statements that cannot run in a transaction
// block (CREATE DATABASE) must be sent alone.
func (s *Server) Exec(ctx context.Context, database, sql string) error {
	conn, err := pgx.Connect(ctx, s.DSN(database))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// Log returns what the server has logged so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
}

// Close stops the server (fast shutdown) and removes its directory.
func (s *Server) Close() error {
	s.once.Do(func() {
		if s.cmd != nil && s.cmd.Process != nil {
			_ = s.cmd.Process.Signal(syscall.SIGINT)
			select {
			case <-s.exited:
			case <-time.After(20 * time.Second):
				s.kill()
				s.stopErr = errors.New("postgres did not stop within 20s after SIGINT; killed")
			}
		}
		if err := os.RemoveAll(s.dir); err != nil && s.stopErr == nil {
			s.stopErr = err
		}
	})
	return s.stopErr
}

func (s *Server) kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

var installMu sync.Mutex

// debianRoot is where Debian's postgresql packages put each major
// version's binaries (a variable for tests).
var debianRoot = "/usr/lib/postgresql"

// BinDir finds the PostgreSQL server binaries: $WEIR_PG_BIN when set, else
// the newest /usr/lib/postgresql/<major>/bin. When there are none and the
// process runs as root it installs Debian's postgresql package with apt;
// otherwise it says what to install.
func BinDir() (string, error) {
	if d := os.Getenv("WEIR_PG_BIN"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err != nil {
			return "", fmt.Errorf("WEIR_PG_BIN=%s has no postgres binary: %w", d, err)
		}
		return d, nil
	}
	if d := findBinDir(); d != "" {
		return d, nil
	}
	if os.Geteuid() != 0 {
		return "", errors.New("PostgreSQL server binaries not found (no /usr/lib/postgresql/*/bin/postgres; WEIR_PG_BIN not set): " +
			"install Debian's postgresql package (sudo apt-get update && sudo apt-get install -y postgresql), " +
			"or run the tests as root and they install it")
	}
	installMu.Lock()
	defer installMu.Unlock()
	// Test binaries of several packages run at once: one installs, the
	// others wait for it.
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "weir-postgresql-install.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }()
	if d := findBinDir(); d != "" {
		return d, nil
	}
	for _, args := range [][]string{{"update"}, {"install", "-y", "--no-install-recommends", "postgresql"}} {
		cmd := exec.Command("apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("installing PostgreSQL: apt-get %s: %w\n%s", strings.Join(args, " "), err, out)
		}
	}
	if d := findBinDir(); d != "" {
		return d, nil
	}
	return "", errors.New("apt-get install postgresql succeeded but no /usr/lib/postgresql/*/bin/postgres exists")
}

func findBinDir() string {
	matches, _ := filepath.Glob(filepath.Join(debianRoot, "*", "bin", "postgres"))
	best, bestMajor := "", -1
	for _, m := range matches {
		d := filepath.Dir(m)
		if _, err := os.Stat(filepath.Join(d, "initdb")); err != nil {
			continue
		}
		if v := majorOf(d); v > bestMajor {
			best, bestMajor = d, v
		}
	}
	return best
}

// majorOf reads the major version from a /usr/lib/postgresql/<major>/bin
// path; -1 when it is not one.
func majorOf(bin string) int {
	v, err := strconv.Atoi(filepath.Base(filepath.Dir(bin)))
	if err != nil {
		return -1
	}
	return v
}

// serverCredential is who the server runs as: nil (this process's user)
// unless this process is root, then the system user postgres.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		out, uerr := exec.Command("useradd", "--system", "--user-group", "--no-create-home",
			"--home-dir", "/var/lib/postgresql", "--shell", "/bin/sh", "postgres").CombinedOutput()
		if uerr != nil {
			return nil, fmt.Errorf("PostgreSQL refuses to run as root and there is no postgres user; useradd postgres: %w\n%s", uerr, out)
		}
		if u, err = user.Lookup("postgres"); err != nil {
			return nil, err
		}
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func chownAll(root string, uid, gid int) error {
	return filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
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
