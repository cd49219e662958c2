package fetch

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/weir-dev/weir/plugins/fetch/fetchtest"
	"github.com/weir-dev/weir/plugins/host"
	"github.com/weir-dev/weir/plugins/model"
)

func TestSourceFetchesLoadsAndRuns(t *testing.T) {
	srv := newServer(t)
	url, sum := srv.Put("/good.wasm", fetchtest.MustGoodModule(t))
	f := newFetcher(t, Options{Dir: t.TempDir(), CAFile: srv.CAFile})
	opts := host.Options{Logger: slog.New(slog.DiscardHandler)}
	ctx := context.Background()

	src := f.Source(fetchtest.GoodID, url, sum, nil, opts)
	if srv.Hits("/good.wasm") != 0 {
		t.Fatal("the module was fetched before it was used")
	}
	d, err := src.Describe(ctx)
	if err != nil || d.ID != fetchtest.GoodID {
		t.Fatalf("Describe = %+v, %v", d, err)
	}
	var items int
	err = src.Discover(ctx, []byte(`{"host":"db.example.com","batches":2}`), func(b []model.Item) error {
		items += len(b)
		return nil
	})
	if err != nil || items != 4 {
		t.Fatalf("Discover: %d items, %v; want 4", items, err)
	}

	if _, err := f.Source("other", url, sum, nil, opts).Describe(ctx); err == nil || !strings.Contains(err.Error(), `describes itself as "good", not "other"`) {
		t.Errorf("id mismatch: Describe = %v", err)
	}
	tampered, _ := srv.Put("/tampered.wasm", append(fetchtest.MustGoodModule(t), 0))
	_, err = f.Source(fetchtest.GoodID, tampered, fetchtest.SHA256([]byte("x")), nil, opts).Describe(ctx)
	var de *DigestError
	if !errors.As(err, &de) {
		t.Errorf("tampered module: Describe = %v, want a *DigestError", err)
	}
}
