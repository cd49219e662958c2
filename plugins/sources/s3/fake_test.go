package s3

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// fakeS3 is a real S3 protocol server (gofakes3, in memory) on loopback,
// behind a handler that records requests and refuses every request on
// the buckets in locked with 403 AccessDenied, as a bucket policy would.
type fakeS3 struct {
	*httptest.Server
	backend *s3mem.Backend
	locked  map[string]bool
	// refuseList makes ListBuckets answer 403.
	refuseList bool
	// bucketPage > 0 makes ListBuckets answer that many buckets per page
	// with a ContinuationToken, as AWS does when asked for max-buckets
	// (gofakes3 answers every bucket at once).
	bucketPage int
	// tagging is GetBucketTagging's answer per bucket; the others get
	// NoSuchTagSet, as AWS answers for a bucket without tags.
	tagging map[string]string

	mu       sync.Mutex
	requests []*http.Request
}

func newFakeS3(t *testing.T) *fakeS3 {
	t.Helper()
	f := &fakeS3{backend: s3mem.New(), locked: map[string]bool{}}
	s3 := gofakes3.New(f.backend).Server()
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, r.Clone(r.Context()))
		f.mu.Unlock()
		bucket, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		if f.locked[bucket] || (bucket == "" && f.refuseList) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)
			return
		}
		if _, ok := r.URL.Query()["tagging"]; ok && r.Method == http.MethodGet {
			w.Header().Set("Content-Type", "application/xml")
			if x, ok := f.tagging[bucket]; ok {
				fmt.Fprint(w, x)
				return
			}
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchTagSet</Code><Message>The TagSet does not exist</Message></Error>`)
			return
		}
		if bucket == "" && r.Method == http.MethodGet && f.bucketPage > 0 {
			f.listBucketsPage(w, r, s3)
			return
		}
		s3.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeS3) bucket(t *testing.T, name string, objects ...string) {
	t.Helper()
	if err := f.backend.CreateBucket(name); err != nil {
		t.Fatalf("creating bucket %s: %v", name, err)
	}
	for _, o := range objects {
		if _, err := f.backend.PutObject(name, o, map[string]string{}, bytes.NewReader([]byte("x")), 1, nil); err != nil {
			t.Fatalf("putting %s/%s: %v", name, o, err)
		}
	}
}

// seen returns the requests so far as "METHOD path?query".
func (f *fakeS3) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.requests {
		out = append(out, r.Method+" "+r.URL.RequestURI())
	}
	return out
}

// isolate keeps the AWS SDK away from this machine's credentials, shared
// files and instance metadata.
func isolate(t *testing.T) {
	t.Helper()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
		"AWS_ENDPOINT_URL_STS", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// rawConfig is a config (JSON) for the fake with a static key, plus extra
// top-level keys.
func (f *fakeS3) rawConfig(t *testing.T, extra map[string]any) json.RawMessage {
	t.Helper()
	m := map[string]any{"credentials": map[string]any{
		"endpoint": f.URL, "region": "us-east-1", "id": "AKIDTEST", "secret": "not-a-secret",
	}}
	for k, v := range extra {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// listBucketsPage answers one page of ListBuckets: gofakes3's full answer
// cut at the continuation token (the index of the page's first bucket).
func (f *fakeS3) listBucketsPage(w http.ResponseWriter, r *http.Request, next http.Handler) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	var all struct {
		Buckets []struct {
			Name         string
			CreationDate string
		} `xml:"Buckets>Bucket"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &all); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	// gofakes3 answers in map order; pages need one order, AWS's (by name).
	slices.SortFunc(all.Buckets, func(a, b struct {
		Name         string
		CreationDate string
	}) int {
		return strings.Compare(a.Name, b.Name)
	})
	from, _ := strconv.Atoi(r.URL.Query().Get("continuation-token"))
	to := min(from+f.bucketPage, len(all.Buckets))
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult><Owner><ID>fake</ID></Owner><Buckets>`)
	for _, x := range all.Buckets[from:to] {
		fmt.Fprintf(&b, "<Bucket><Name>%s</Name><CreationDate>%s</CreationDate></Bucket>", x.Name, x.CreationDate)
	}
	b.WriteString("</Buckets>")
	if to < len(all.Buckets) {
		fmt.Fprintf(&b, "<ContinuationToken>%d</ContinuationToken>", to)
	}
	b.WriteString("</ListAllMyBucketsResult>")
	w.Header().Set("Content-Type", "application/xml")
	fmt.Fprint(w, b.String())
}
