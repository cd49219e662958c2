// Command oidc-provider serves an OpenID Connect provider for Weir's login
// tests: zitadel/oidc's example provider (authorization code with PKCE S256,
// its HTML username/password form, in-memory tokens) with users, groups and
// clients read from a JSON file.
//
//	oidc-provider -config provider.json -addr 127.0.0.1:PORT
//
// The caller picks the port first because the issuer URL contains it. Once
// the listener is open the provider prints "ready <issuer>" on stdout.
//
// The example's storage gives no group claim and leaves profile/email claims
// out of the ID token when an access token is issued (the OIDC Core default);
// Weir reads them from the ID token, so this wrapper puts email,
// preferred_username, name and groups into the ID token and the userinfo
// answer.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
)

// Config is the JSON file given by -config.
type Config struct {
	// Issuer is the URL clients use, e.g. http://127.0.0.1:PORT (no path).
	Issuer  string       `json:"issuer"`
	Users   []UserConfig `json:"users"`
	Clients []Client     `json:"clients"`
	// GroupsNeedScope makes the groups claim appear only when the client asks
	// for the "groups" scope (as Dex does); by default it is always there.
	GroupsNeedScope bool `json:"groupsNeedScope,omitempty"`
}

type UserConfig struct {
	ID       string   `json:"id"`
	Username string   `json:"username"`
	Password string   `json:"password"`
	Email    string   `json:"email"`
	Name     string   `json:"name,omitempty"`
	Groups   []string `json:"groups,omitempty"`
}

type Client struct {
	ID string `json:"id"`
	// Secret empty makes a public (native) client, which must use PKCE.
	Secret                 string   `json:"secret,omitempty"`
	RedirectURIs           []string `json:"redirectURIs"`
	PostLogoutRedirectURIs []string `json:"postLogoutRedirectURIs,omitempty"`
}

func main() {
	configPath := flag.String("config", "", "JSON file with issuer, users and clients (required)")
	addr := flag.String("addr", "127.0.0.1:0", "listen address; its port must be the issuer's")
	verbose := flag.Bool("v", false, "log every request")
	flag.Parse()
	if err := run(*configPath, *addr, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "oidc-provider:", err)
		os.Exit(1)
	}
}

func run(configPath, addr string, verbose bool) error {
	cfg, err := readConfig(configPath)
	if err != nil {
		return err
	}
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	// The example keeps clients in a package-level map; register before the
	// storage is built.
	for _, c := range cfg.Clients {
		var sc *storage.Client
		if c.Secret == "" {
			sc = storage.NativeClient(c.ID, c.RedirectURIs...)
		} else {
			sc = storage.WebClient(c.ID, c.Secret, c.RedirectURIs...)
		}
		storage.RegisterClients(sc)
	}
	st := newStore(cfg)
	router := exampleop.SetupServer(cfg.Issuer, st, logger, false)

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on -addr %s: %w", addr, err)
	}
	fmt.Printf("ready %s\n", cfg.Issuer)
	if err := http.Serve(ln, router); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func readConfig(path string) (*Config, error) {
	if path == "" {
		return nil, errors.New("-config is required (a JSON file with issuer, users and clients)")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cfg Config
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if cfg.Issuer == "" {
		return nil, fmt.Errorf("%s: issuer is required (e.g. http://127.0.0.1:PORT)", path)
	}
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	if len(cfg.Clients) == 0 {
		return nil, fmt.Errorf("%s: clients is empty; add one with id, secret and redirectURIs", path)
	}
	seen := map[string]bool{}
	for i, u := range cfg.Users {
		if u.ID == "" || u.Username == "" || u.Password == "" {
			return nil, fmt.Errorf("%s: users[%d] needs id, username and password", path, i)
		}
		if seen[u.Username] {
			return nil, fmt.Errorf("%s: users[%d]: username %q appears twice", path, i, u.Username)
		}
		seen[u.Username] = true
	}
	for i, c := range cfg.Clients {
		if c.ID == "" || len(c.RedirectURIs) == 0 {
			return nil, fmt.Errorf("%s: clients[%d] needs id and redirectURIs", path, i)
		}
	}
	return &cfg, nil
}
