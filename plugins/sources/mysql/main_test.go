package mysql

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/test/mysql"
)

// One MariaDB server with the fixture serves every test of the package.
var (
	sharedOnce sync.Once
	shared     *mysql.Server
	sharedErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.Close()
	}
	os.Exit(code)
}

// server returns the shared server with the fixture loaded.
func server(t testing.TB) *mysql.Server {
	t.Helper()
	sharedOnce.Do(func() {
		shared, sharedErr = mysql.New()
		if sharedErr == nil {
			sharedErr = mysql.Fixture(shared)
		}
	})
	if sharedErr != nil {
		t.Fatalf("MariaDB for the tests: %v", sharedErr)
	}
	return shared
}

// configFor is a validated config for database on s as its test user,
// with the settings in extra on top.
func configFor(t testing.TB, s *mysql.Server, database string, extra map[string]any) Config {
	t.Helper()
	m := map[string]any{"host": s.Host, "port": s.Port, "user": s.User, "password": s.Password, "database": database}
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
}

func discover(t testing.TB, cfg Config, dial DialFunc) result {
	t.Helper()
	var r result
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := Discover(ctx, cfg, dial, func(items []model.Item) error {
		for _, it := range items {
			switch {
			case it.Asset != nil:
				r.Assets = append(r.Assets, *it.Asset)
			case it.Lineage != nil:
				r.Lineage = append(r.Lineage, *it.Lineage)
			default:
				return fmt.Errorf("unexpected item %+v", it)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	return r
}

func (r result) asset(t *testing.T, mrn string) model.Asset {
	t.Helper()
	for _, a := range r.Assets {
		if a.MRN == mrn {
			return a
		}
	}
	t.Fatalf("no asset %s", mrn)
	return model.Asset{}
}

func (r result) edges() []string {
	var out []string
	for _, l := range r.Lineage {
		out = append(out, l.Type+" "+l.Source+" -> "+l.Target)
	}
	return out
}
