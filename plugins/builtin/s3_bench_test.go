package builtin_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/weir-dev/weir/plugins/builtin"
	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/sources/s3"
	"github.com/weir-dev/weir/test/bench/plugins/s3fake"
)

// s3BenchBuckets buckets holding s3BenchObjects objects between them
// (test/bench/plugins/s3fake, gofakes3 answering the configuration
// requests it lacks as AWS does). The source reads each bucket's
// configuration (11 requests) and never lists objects.
const s3BenchBuckets, s3BenchObjects = 20, 10000

// BenchmarkS3Discover compares a discovery by the wasm module with the
// native build of the same code, on one S3 protocol server on loopback.
func BenchmarkS3Discover(b *testing.B) {
	isolateAWS(b)
	store, err := s3fake.New(s3BenchBuckets, s3BenchObjects)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(store.Close)
	raw, _ := json.Marshal(store.Config())
	cfg, err := s3.Validate(raw)
	if err != nil {
		b.Fatal(err)
	}
	src := builtin.Sources(hostOptions(b))["s3"]
	if _, err := src.Describe(context.Background()); err != nil { // compile outside the timing
		b.Fatal(err)
	}
	for _, v := range []struct {
		name     string
		discover func(emit func([]model.Item) error) error
	}{
		{"native", func(emit func([]model.Item) error) error { return s3.Discover(context.Background(), cfg, nil, emit) }},
		{"wasm", func(emit func([]model.Item) error) error { return src.Discover(context.Background(), raw, emit) }},
	} {
		b.Run(v.name, func(b *testing.B) {
			var assets int
			b.ReportAllocs()
			for b.Loop() {
				assets = 0
				if err := v.discover(func(items []model.Item) error {
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
			if assets != s3BenchBuckets {
				b.Fatalf("%d assets, want %d", assets, s3BenchBuckets)
			}
			b.ReportMetric(float64(assets)/(b.Elapsed().Seconds()/float64(b.N)), "assets/s")
		})
	}
}

// isolateAWS keeps the native source's AWS SDK from this machine's AWS
// settings: the config's static key, no shared files, no instance
// metadata.
func isolateAWS(tb testing.TB) {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"} {
		tb.Setenv(k, "")
		os.Unsetenv(k)
	}
	dir := tb.TempDir()
	tb.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	tb.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	tb.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}
