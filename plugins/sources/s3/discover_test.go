package s3

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source"
)

func discover(t *testing.T, cfg Config) ([]model.Item, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var items []model.Item
	err := Discover(ctx, cfg, nil, func(b []model.Item) error {
		if len(b) == 0 || len(b) > BatchSize {
			t.Errorf("batch of %d items", len(b))
		}
		items = append(items, b...)
		return nil
	})
	return items, err
}

func mustValidate(t *testing.T, raw []byte) Config {
	t.Helper()
	cfg, err := Validate(raw)
	if err != nil {
		t.Fatalf("Validate: %v", err)
	}
	return cfg
}

func byName(items []model.Item) map[string]*model.Asset {
	out := map[string]*model.Asset{}
	for _, it := range items {
		out[it.Asset.Name] = it.Asset
	}
	return out
}

// One asset per bucket, with the contract's MRN and metadata; objects
// (1,200 of them, past S3's 1,000-key page, under prefixes) are never
// listed; a bucket S3 refuses to describe is still emitted.
func TestDiscoverBuckets(t *testing.T) {
	isolate(t)
	f := newFakeS3(t)
	var many []string
	for i := 0; i < 1200; i++ {
		many = append(many, fmt.Sprintf("events/2026/%02d/part-%04d.json", i%12, i))
	}
	f.bucket(t, "acme-raw.events", many...)
	f.bucket(t, "versioned", "a/b/c.txt")
	if err := f.backend.SetVersioningConfiguration("versioned", gofakes3.VersioningConfiguration{Status: gofakes3.VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	f.bucket(t, "locked")
	f.locked["locked"] = true

	cfg := mustValidate(t, f.rawConfig(t, map[string]any{"tags": []string{"s3", "region-${region}", "${nope}"}}))
	items, err := discover(t, cfg)
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	assets := byName(items)
	var names []string
	for n := range assets {
		names = append(names, n)
	}
	sort.Strings(names)
	if !reflect.DeepEqual(names, []string{"acme-raw.events", "locked", "versioned"}) {
		t.Fatalf("buckets: %v", names)
	}
	a := assets["acme-raw.events"]
	if a.MRN != "mrn://bucket/s3/acme-raw.events" || a.Type != "Bucket" || !reflect.DeepEqual(a.Providers, []string{"S3"}) {
		t.Errorf("asset: mrn %q type %q providers %v", a.MRN, a.Type, a.Providers)
	}
	if a.Metadata["bucket_arn"] != "arn:aws:s3:::acme-raw.events" || a.Metadata["region"] != "us-east-1" {
		t.Errorf("metadata: %v", a.Metadata)
	}
	if _, err := time.Parse(time.RFC3339, fmt.Sprint(a.Metadata["creation_date"])); err != nil || !strings.HasSuffix(fmt.Sprint(a.Metadata["creation_date"]), "Z") {
		t.Errorf("creation_date %v: want RFC 3339 in UTC", a.Metadata["creation_date"])
	}
	for _, k := range []string{"encryption", "lifecycle_config", "replication_config", "website_config", "logging_config"} {
		if v := a.Metadata[k]; v != "enabled" && v != "disabled" {
			t.Errorf("%s = %v, want enabled or disabled", k, v)
		}
	}
	if !reflect.DeepEqual(a.Tags, []string{"s3", "region-us-east-1"}) {
		t.Errorf("tags: %v", a.Tags)
	}
	if len(a.Sources) != 1 || a.Sources[0].Name != "S3" || a.Sources[0].Priority != 1 || !reflect.DeepEqual(a.Sources[0].Properties, a.Metadata) {
		t.Errorf("sources: %+v", a.Sources)
	}
	if v := assets["versioned"].Metadata["versioning"]; v != "Enabled" {
		t.Errorf("versioned: versioning = %v, want Enabled", v)
	}
	l := assets["locked"].Metadata
	if _, ok := l["region"]; ok {
		t.Errorf("locked: region %v, want absent", l["region"])
	}
	if l["encryption"] != "disabled" || l["lifecycle_config"] != "disabled" || l["bucket_arn"] != "arn:aws:s3:::locked" {
		t.Errorf("locked: metadata %v", l)
	}
	if !reflect.DeepEqual(assets["locked"].Tags, []string{"s3", "region-"}) {
		t.Errorf("locked: tags %v, want a partly empty tag kept, as upstream", assets["locked"].Tags)
	}
	for _, r := range f.seen() {
		// ListObjects(V2) is a GET on the bucket with list-type, prefix
		// or no query at all.
		if strings.Contains(r, "list-type") || strings.Contains(r, "prefix=") || r == "GET /acme-raw.events" || r == "GET /acme-raw.events/" {
			t.Errorf("objects were listed: %s", r)
		}
	}
	// Path style: every request names the bucket in the path (the fake
	// would answer a virtual-host request for the bucket as ListBuckets).
	paths := 0
	for _, r := range f.seen() {
		if strings.Contains(r, "/versioned?") {
			paths++
		}
	}
	if paths < 10 {
		t.Errorf("%d path-style requests on versioned, want ≥ 10: %v", paths, f.seen())
	}
}

func TestDiscoverManyBucketsInBatches(t *testing.T) {
	isolate(t)
	f := newFakeS3(t)
	for i := 0; i < BatchSize+5; i++ {
		f.bucket(t, fmt.Sprintf("b-%03d", i))
	}
	items, err := discover(t, mustValidate(t, f.rawConfig(t, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if len(byName(items)) != BatchSize+5 {
		t.Fatalf("%d assets, want %d", len(items), BatchSize+5)
	}
}

// ListBuckets answered in pages (AWS pages above 10,000 buckets, or when
// asked): every page is followed, each bucket emitted once, in name order.
func TestDiscoverFollowsBucketPages(t *testing.T) {
	isolate(t)
	f := newFakeS3(t)
	f.bucketPage = 2
	for _, b := range []string{"e-five", "a-one", "d-four", "c-three", "b-two"} {
		f.bucket(t, b)
	}
	items, err := discover(t, mustValidate(t, f.rawConfig(t, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, it := range items {
		names = append(names, it.Asset.Name)
	}
	if want := []string{"a-one", "b-two", "c-three", "d-four", "e-five"}; !reflect.DeepEqual(names, want) {
		t.Errorf("assets %q, want %q (requests %v)", names, want, f.seen())
	}
	pages := 0
	for _, r := range f.seen() {
		if r == "GET /" || strings.HasPrefix(r, "GET /?") {
			pages++
		}
	}
	if pages != 3 {
		t.Errorf("%d ListBuckets requests, want 3 pages of 2: %v", pages, f.seen())
	}
}

func TestDiscoverTagsToMetadata(t *testing.T) {
	isolate(t)
	f := newFakeS3(t)
	f.bucket(t, "untagged")
	f.bucket(t, "tagged")
	f.bucket(t, "other")
	f.tagging = map[string]string{"tagged": `<Tagging><TagSet><Tag><Key>team</Key><Value>data</Value></Tag><Tag><Key>cost</Key><Value>1</Value></Tag></TagSet></Tagging>`,
		"other": `<Tagging><TagSet><Tag><Key>cost</Key><Value>2</Value></Tag></TagSet></Tagging>`}
	items, err := discover(t, mustValidate(t, f.rawConfig(t, map[string]any{"tags_to_metadata": true, "include_tags": []string{"team"}, "tags": []string{"${tag_team}"}})))
	if err != nil {
		t.Fatal(err)
	}
	assets := byName(items)
	// AWS answers NoSuchTagSet for a bucket without tags: metadata stays.
	if md := assets["untagged"].Metadata; md["bucket_arn"] == nil {
		t.Errorf("untagged: metadata %v, want the normal keys kept", md)
	}
	if a := assets["tagged"]; !reflect.DeepEqual(a.Metadata, map[string]any{"tag_team": "data"}) || !reflect.DeepEqual(a.Tags, []string{"data"}) {
		t.Errorf("tagged: metadata %v tags %v, want the tags only, include_tags applied", a.Metadata, a.Tags)
	}
	if a := assets["other"]; a.Metadata != nil || a.Tags != nil {
		t.Errorf("other: metadata %v tags %v, want none (no tag survives include_tags)", a.Metadata, a.Tags)
	}
}

// Refusing the listing, or an unreachable store, fails the discovery
// (nothing is emitted, so Marmot deletes nothing); only the network
// failure is worth retrying.
func TestDiscoverFailures(t *testing.T) {
	isolate(t)
	f := newFakeS3(t)
	f.bucket(t, "a")
	f.refuseList = true
	items, err := discover(t, mustValidate(t, f.rawConfig(t, nil)))
	var se *source.Error
	if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Message, "listing buckets") || !strings.Contains(se.Message, "AccessDenied") {
		t.Fatalf("refused listing: %v (%#v), want a non-retryable source.Error", err, se)
	}
	if len(items) != 0 {
		t.Errorf("emitted %d items", len(items))
	}
	if strings.Contains(se.Message, "not-a-secret") {
		t.Errorf("the secret leaked into %q", se.Message)
	}

	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	raw := []byte(`{"credentials": {"endpoint": "` + url + `", "region": "us-east-1", "id": "a", "secret": "b"}}`)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err = Discover(ctx, mustValidate(t, raw), nil, func([]model.Item) error { return nil })
	if !errors.As(err, &se) || !se.Retryable {
		t.Fatalf("unreachable store: %v, want a retryable source.Error", err)
	}

	noRegion := []byte(`{"credentials": {"endpoint": "` + f.URL + `", "id": "a", "secret": "b"}}`)
	err = Discover(ctx, mustValidate(t, noRegion), nil, func([]model.Item) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "credentials.region") {
		t.Fatalf("no region: %v", err)
	}
}

// IRSA: with no key in the config, the SDK's default chain takes web
// identity from AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE, trades the
// token at STS (a fake here) and signs S3 requests with what it got.
func TestDiscoverWebIdentity(t *testing.T) {
	isolate(t)
	f := newFakeS3(t)
	f.bucket(t, "irsa")
	var stsBody string
	stsSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		stsBody = r.Form.Encode()
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>`+
			`<Credentials><AccessKeyId>AKIDFROMIRSA</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>session</SessionToken>`+
			`<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>`)
	}))
	defer stsSrv.Close()
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("projected-sa-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/marmot-reader")
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token)
	t.Setenv("AWS_ENDPOINT_URL_STS", stsSrv.URL)
	t.Setenv("AWS_REGION", "us-east-1")

	cfg := mustValidate(t, []byte(`{"credentials": {"endpoint": "`+f.URL+`"}}`))
	if !cfg.Credentials.UseDefault {
		t.Fatal("use_default should default to true without id")
	}
	items, err := discover(t, cfg)
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	if len(items) != 1 || items[0].Asset.Name != "irsa" {
		t.Fatalf("items: %+v", items)
	}
	if !strings.Contains(stsBody, "WebIdentityToken=projected-sa-token") || !strings.Contains(stsBody, "marmot-reader") {
		t.Errorf("STS got %q", stsBody)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.requests {
		if a := r.Header.Get("Authorization"); !strings.Contains(a, "Credential=AKIDFROMIRSA/") || r.Header.Get("X-Amz-Security-Token") != "session" {
			t.Fatalf("S3 request signed with %q", a)
		}
	}
}

// bucket narrows discovery to one bucket; one that is not listed fails
// rather than emit nothing.
func TestDiscoverOneBucket(t *testing.T) {
	isolate(t)
	f := newFakeS3(t)
	f.bucket(t, "my-data-lake")
	f.bucket(t, "other")
	items, err := discover(t, mustValidate(t, f.rawConfig(t, map[string]any{"bucket": "my-data-lake"})))
	if err != nil || len(items) != 1 || items[0].Asset.Name != "my-data-lake" {
		t.Fatalf("items %+v, err %v", items, err)
	}
	for _, r := range f.seen() {
		if strings.Contains(r, "/other") {
			t.Errorf("asked about another bucket: %s", r)
		}
	}
	_, err = discover(t, mustValidate(t, f.rawConfig(t, map[string]any{"bucket": "missing"})))
	var se *source.Error
	if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Message, "bucket: missing is not among") {
		t.Fatalf("missing bucket: %v", err)
	}
}
