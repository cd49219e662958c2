package postgresql

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/test/postgres"
)

// One server (with TLS on) and the shop fixture serve every test of the
// package; the benchmark starts its own.
var (
	sharedOnce sync.Once
	shared     *postgres.Server
	shop       postgres.Shop
	sharedErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, s := range []*postgres.Server{shared, bench} {
		if s != nil {
			if err := s.Close(); err != nil {
				fmt.Fprintln(os.Stderr, "stopping PostgreSQL:", err)
			}
		}
	}
	os.Exit(code)
}

// server returns the shared server with the shop fixture loaded.
func server(t testing.TB) *postgres.Server {
	t.Helper()
	sharedOnce.Do(func() {
		shared, sharedErr = postgres.New(postgres.Options{TLS: true})
		if sharedErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		shop, sharedErr = shared.LoadShop(ctx)
	})
	if sharedErr != nil {
		t.Fatalf("PostgreSQL for the tests: %v", sharedErr)
	}
	return shared
}

// configFor is a validated config for user on the shared server, with the
// settings in extra (JSON object members) on top.
func configFor(t testing.TB, s *postgres.Server, user, password string, extra map[string]any) Config {
	t.Helper()
	m := map[string]any{"host": s.Host, "port": s.Port, "user": user, "password": password}
	for k, v := range extra {
		m[k] = v
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Validate(raw)
	if err != nil {
		t.Fatalf("Validate(%s): %v", raw, err)
	}
	return cfg
}

// result is what one discovery emitted, in order.
type result struct {
	Assets  []model.Asset
	Lineage []model.Lineage
	Stats   []model.Statistic
	Batches []int
}

func discover(t testing.TB, cfg Config, dial DialFunc) result {
	t.Helper()
	r, err := tryDiscover(cfg, dial)
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	return r
}

func tryDiscover(cfg Config, dial DialFunc) (result, error) {
	var r result
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := Discover(ctx, cfg, dial, func(items []model.Item) error {
		r.Batches = append(r.Batches, len(items))
		for _, it := range items {
			switch {
			case it.Asset != nil:
				r.Assets = append(r.Assets, *it.Asset)
			case it.Lineage != nil:
				r.Lineage = append(r.Lineage, *it.Lineage)
			case it.Statistic != nil:
				r.Stats = append(r.Stats, *it.Statistic)
			default:
				return fmt.Errorf("empty item")
			}
		}
		return nil
	})
	return r, err
}
