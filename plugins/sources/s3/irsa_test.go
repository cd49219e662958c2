package s3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weir-dev/weir/plugins/host/hosttest"

	"github.com/weir-dev/weir/plugins/host"
	"github.com/weir-dev/weir/plugins/model"
)

const (
	irsaRole    = "arn:aws:iam::123456789012:role/marmot-s3-reader"
	irsaToken   = "eyJhbGciOiJSUzI1NiJ9.projected-service-account-token.sig"
	stsKeyID    = "ASIAIRSATESTKEY"
	stsSecret   = "irsa-secret-from-sts"
	stsSession  = "irsa-session-token-from-sts"
	leakedKeyID = "AKIALEAKEDFROMENV"
)

// fakeSTS answers AssumeRoleWithWebIdentity as AWS documents it (query
// protocol, XML), recording the forms it got.
type fakeSTS struct {
	*httptest.Server
	mu    sync.Mutex
	forms []map[string]string
}

func newFakeSTS(t *testing.T) *fakeSTS {
	t.Helper()
	f := &fakeSTS{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		form := map[string]string{"Authorization": r.Header.Get("Authorization")}
		for k := range r.PostForm {
			form[k] = r.PostForm.Get(k)
		}
		f.mu.Lock()
		f.forms = append(f.forms, form)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		if form["Action"] != "AssumeRoleWithWebIdentity" || form["WebIdentityToken"] != irsaToken || form["RoleArn"] != irsaRole {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error><RequestId>r1</RequestId></ErrorResponse>`)
			return
		}
		fmt.Fprintf(w, `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:data:s3-reader</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/marmot-s3-reader/%s</Arn>
      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:%s</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>%s</SessionToken>
      <SecretAccessKey>%s</SecretAccessKey>
      <Expiration>%s</Expiration>
      <AccessKeyId>%s</AccessKeyId>
    </Credentials>
    <Provider>arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`, form["RoleSessionName"], form["RoleSessionName"], stsSession, stsSecret,
			time.Now().Add(time.Hour).UTC().Format(time.RFC3339), stsKeyID)
	}))
	t.Cleanup(f.Close)
	return f
}

// irsaEnv sets the pod environment EKS's webhook injects, with STS (and
// S3, when s3URL is set) on loopback, plus static keys a pod might also
// have, which the source does not declare and so must never see.
func irsaEnv(t *testing.T, sts, s3URL string) (tokenFile string) {
	t.Helper()
	isolate(t)
	tokenFile = filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(irsaToken), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ROLE_ARN", irsaRole)
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile)
	t.Setenv("AWS_ROLE_SESSION_NAME", "weir-irsa-test")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_DEFAULT_REGION", "eu-west-1")
	t.Setenv("AWS_ENDPOINT_URL_STS", sts)
	if s3URL != "" {
		t.Setenv("AWS_ENDPOINT_URL_S3", s3URL)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", leakedKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "must-not-reach-the-module")
	return tokenFile
}

// checkSignedBySTS says whether every request the fake S3 got was signed
// with the key STS issued (SigV4's Credential=<key id>/...) and carried
// its session token.
func checkSignedBySTS(t *testing.T, f *fakeS3) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		t.Fatal("S3 got no request")
	}
	for _, r := range f.requests {
		auth := r.Header.Get("Authorization")
		if !strings.Contains(auth, "Credential="+stsKeyID+"/") || r.Header.Get("X-Amz-Security-Token") != stsSession {
			t.Fatalf("%s %s signed with %q (token %q), want STS's key %s", r.Method, r.URL, auth, r.Header.Get("X-Amz-Security-Token"), stsKeyID)
		}
	}
}

func (f *fakeSTS) checkAssumed(t *testing.T) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.forms) == 0 {
		t.Fatal("STS got no request")
	}
	got := f.forms[0]
	if got["Action"] != "AssumeRoleWithWebIdentity" || got["RoleArn"] != irsaRole || got["WebIdentityToken"] != irsaToken ||
		got["RoleSessionName"] != "weir-irsa-test" {
		t.Fatalf("STS got %v; want AssumeRoleWithWebIdentity of %s with the token file's content and the session name", got, irsaRole)
	}
}

func discoverWasm(t *testing.T, m *host.Module, config string) ([]model.Item, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var items []model.Item
	err := m.Discover(ctx, json.RawMessage(config), func(b []model.Item) error { items = append(items, b...); return nil })
	return items, err
}

func names(items []model.Item) []string {
	var out []string
	for _, it := range items {
		if it.Asset != nil {
			out = append(out, it.Asset.Name)
		}
	}
	return out
}

// IRSA in the sandbox: the module gets the web identity variables from
// the pod's environment (as weir ingest passes it) and the token file
// read-only, exchanges the token at STS for keys, and signs S3 requests
// with them; static keys in the environment never reach it.
func TestWasmIRSA(t *testing.T) {
	sts := newFakeSTS(t)
	f := newFakeS3(t)
	f.bucket(t, "alpha", "a/1", "a/2")
	f.bucket(t, "beta")
	irsaEnv(t, sts.URL, "")
	m := loadModuleWith(t, host.Options{Environ: os.LookupEnv})
	items, err := discoverWasm(t, m, `{"credentials": {"use_default": true, "endpoint": "`+f.URL+`"}}`)
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	if got := strings.Join(names(items), ","); got != "alpha,beta" {
		t.Fatalf("discovered %s, want alpha,beta", got)
	}
	sts.checkAssumed(t)
	checkSignedBySTS(t, f)
}

// The seed's IRSA Run's config, exactly as written (bucket and region,
// no credentials block), with S3 and STS pointed at loopback by the
// endpoint variables the SDK honours.
func TestWasmIRSASeedConfig(t *testing.T) {
	sts := newFakeSTS(t)
	f := newFakeS3(t)
	f.bucket(t, "my-data-lake", "events/1")
	f.bucket(t, "other")
	irsaEnv(t, sts.URL, f.URL)
	m := loadModuleWith(t, host.Options{Environ: os.LookupEnv})
	items, err := discoverWasm(t, m, `{"bucket": "my-data-lake", "region": "eu-west-1"}`)
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	if got := strings.Join(names(items), ","); got != "my-data-lake" {
		t.Fatalf("discovered %s, want my-data-lake", got)
	}
	sts.checkAssumed(t)
	checkSignedBySTS(t, f)
	for _, r := range f.seen() {
		if !strings.HasPrefix(r, "GET /my-data-lake") && !strings.HasPrefix(r, "GET /?") && !strings.HasPrefix(r, "GET / ") && r != "GET /" {
			t.Errorf("request %q is not path-style for an endpoint override", r)
		}
	}
}

// Without the variables the module has no web identity: the SDK's chain
// ends at the instance metadata service, which it cannot reach from the
// sandbox, and neither STS nor S3 is called; a wrong token is STS's
// refusal; the token file is unchanged.
func TestWasmIRSANegative(t *testing.T) {
	sts := newFakeSTS(t)
	f := newFakeS3(t)
	f.bucket(t, "alpha")
	tokenFile := irsaEnv(t, sts.URL, "")
	config := `{"credentials": {"use_default": true, "region": "eu-west-1", "endpoint": "` + f.URL + `"}}`

	// No Environ: nothing passed.
	_, err := discoverWasm(t, loadModuleWith(t, host.Options{}), config)
	if err == nil || !strings.Contains(err.Error(), "get credentials") {
		t.Fatalf("without the environment: %v; want no credentials", err)
	}
	if len(sts.forms) != 0 || len(f.seen()) != 0 {
		t.Fatalf("without the environment STS got %v and S3 %v", sts.forms, f.seen())
	}

	// The token file's content is what STS checks.
	if err := os.WriteFile(tokenFile, []byte("another-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := loadModuleWith(t, host.Options{Environ: os.LookupEnv})
	_, err = discoverWasm(t, m, config)
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("wrong token: %v; want STS's AccessDenied", err)
	}
	if b, _ := os.ReadFile(tokenFile); string(b) != "another-token" {
		t.Fatalf("the token file changed: %q", b)
	}
}

// Without an endpoint the region implies AWS's hosts: the module may
// dial STS and S3 of eu-west-1 (the test resolver then knows no name)
// and nothing else.
func TestWasmRegionHosts(t *testing.T) {
	irsaEnv(t, "", "")
	os.Unsetenv("AWS_ENDPOINT_URL_STS")
	res := &hosttest.Resolver{}
	m := loadModuleWith(t, host.Options{Environ: os.LookupEnv, Network: host.NetworkPolicy{Resolver: res}})
	_, err := discoverWasm(t, m, `{"bucket": "my-data-lake", "region": "eu-west-1"}`)
	var pe *host.PolicyError
	if err == nil || errors.As(err, &pe) {
		t.Fatalf("Discover: %v; want a resolution failure, not a refusal", err)
	}
	if len(res.Asked()) == 0 {
		t.Fatal("nothing was resolved")
	}
	for _, h := range res.Asked() {
		if h != "sts.eu-west-1.amazonaws.com" && h != "s3.eu-west-1.amazonaws.com" {
			t.Errorf("resolved %s, not a host eu-west-1 implies", h)
		}
	}
}
