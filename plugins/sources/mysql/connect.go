package mysql

import (
	"context"
	"database/sql"
	"net"
	"strconv"
	"time"

	driver "github.com/go-sql-driver/mysql"
)

// DialFunc opens a network connection, like net.Dialer.DialContext. In a
// wasm guest it is the host's sandboxed dialer; nil means a plain
// net.Dialer. It is called with network "tcp" and addr "<host>:<port>" of
// the config, unresolved: name resolution is the dialer's job.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// driverConfig is the driver configuration for cfg: what upstream's DSN
// says (tls, parseTime, a 15 s dial timeout), built as a struct rather
// than by string formatting so that any character works in the user name
// and password; the connection goes through dial.
func driverConfig(cfg Config, dial DialFunc) *driver.Config {
	dc := driver.NewConfig()
	dc.User = cfg.User
	dc.Passwd = cfg.Password
	dc.Net = "tcp"
	dc.Addr = net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	dc.DBName = cfg.Database
	dc.TLSConfig = cfg.TLS
	dc.ParseTime = true
	dc.Timeout = ConnectTimeout
	dc.Logger = quietLogger{}
	if dial == nil {
		d := &net.Dialer{KeepAlive: 5 * time.Minute}
		dial = d.DialContext
	}
	dc.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) { return dial(ctx, network, addr) }
	return dc
}

// open returns a pool as upstream's (≤5 open, 1 idle) that has answered a
// ping within ConnectTimeout.
func open(ctx context.Context, cfg Config, dial DialFunc) (*sql.DB, error) {
	conn, err := driver.NewConnector(driverConfig(cfg, dial))
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(5)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(2 * time.Minute)
	db.SetConnMaxIdleTime(30 * time.Second)
	pctx, cancel := context.WithTimeout(ctx, ConnectTimeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// quietLogger drops the driver's own log lines (they go to stderr and
// repeat what the returned errors say).
type quietLogger struct{}

func (quietLogger) Print(...any) {}
