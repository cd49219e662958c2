// Package s3fake is the S3 store of the plugin benchmarks: gofakes3 (a
// real S3 protocol server, in memory) on loopback, filled with buckets
// and objects, answering the bucket configuration requests gofakes3 does
// not implement as AWS answers them for a bucket without that
// configuration.
package s3fake

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Store is a running store.
type Store struct {
	*httptest.Server
}

// notConfigured are the bucket sub-resources gofakes3 would answer with
// an object listing (it routes any other GET on a bucket there), and the
// error code AWS gives for a bucket without that configuration; "" is a
// 200 with an empty document.
var notConfigured = map[string]string{
	"encryption":          "ServerSideEncryptionConfigurationNotFoundError",
	"publicAccessBlock":   "NoSuchPublicAccessBlockConfiguration",
	"notification":        "",
	"lifecycle":           "NoSuchLifecycleConfiguration",
	"replication":         "ReplicationConfigurationNotFoundError",
	"website":             "NoSuchWebsiteConfiguration",
	"logging":             "",
	"accelerate":          "",
	"requestPayment":      "",
	"tagging":             "NoSuchTagSet",
	"policy":              "NoSuchBucketPolicy",
	"ownershipControls":   "OwnershipControlsNotFoundError",
	"intelligent-tiering": "",
}

// New starts a store of the given number of buckets (bench-000...) and
// of objects, spread over them under a few prefixes.
func New(buckets, objects int) (*Store, error) {
	backend := s3mem.New()
	for b := 0; b < buckets; b++ {
		if err := backend.CreateBucket(Bucket(b)); err != nil {
			return nil, err
		}
	}
	for o := 0; o < objects && buckets > 0; o++ {
		key := fmt.Sprintf("p%d/q%d/object-%06d.json", o%7, o%13, o)
		if _, err := backend.PutObject(Bucket(o%buckets), key, map[string]string{}, bytes.NewReader([]byte(`{}`)), 2, nil); err != nil {
			return nil, err
		}
	}
	s3 := gofakes3.New(backend).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			for sub, code := range notConfigured {
				if _, ok := r.URL.Query()[sub]; !ok {
					continue
				}
				w.Header().Set("Content-Type", "application/xml")
				if code == "" {
					fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Configuration/>`)
					return
				}
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>not configured</Message></Error>`, code)
				return
			}
		}
		s3.ServeHTTP(w, r)
	}))
	return &Store{Server: srv}, nil
}

// Bucket is the name of bucket i.
func Bucket(i int) string { return fmt.Sprintf("bench-%03d", i) }

// Config is the s3 source's config for the store: its endpoint and a
// static key.
func (s *Store) Config() map[string]any {
	return map[string]any{"credentials": map[string]any{
		"endpoint": s.URL, "region": "us-east-1", "id": "AKIDBENCH", "secret": "not-a-secret"}}
}
