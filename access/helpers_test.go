package access

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

// memReader is a Reader over maps, for unit tests and the benchmark.
type memReader struct {
	mu         sync.RWMutex
	managers   []wsv1.WorkspaceManager
	managerRev atomic.Uint64
	workspaces map[string]*wsv1.Workspace
	shares     map[string][]wsv1.WorkspaceShare // by "<ns>/<workspace>"
	templates  map[string]*wsv1.WorkspaceTemplate
	revs       map[string]uint64
	next       uint64
	reads      atomic.Int64 // Workspace reads: the uncached path
}

func newMemReader(managers ...wsv1.WorkspaceManager) *memReader {
	r := &memReader{managers: managers, workspaces: map[string]*wsv1.Workspace{},
		shares: map[string][]wsv1.WorkspaceShare{}, templates: map[string]*wsv1.WorkspaceTemplate{}, revs: map[string]uint64{}}
	r.managerRev.Add(1)
	return r
}

func (r *memReader) bump(key string) { r.next++; r.revs[key] = r.next }

func (r *memReader) putWorkspace(w *wsv1.Workspace) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := w.Namespace + "/" + w.Name
	r.workspaces[k] = w
	r.bump(k)
}

func (r *memReader) putShare(s wsv1.WorkspaceShare) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := s.Namespace + "/" + s.Spec.WorkspaceName
	r.shares[k] = append(r.shares[k], s)
	r.bump(k)
}

func (r *memReader) deleteShares(namespace, workspace string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := namespace + "/" + workspace
	delete(r.shares, k)
	r.bump(k)
}

func (r *memReader) ManagersRevision() uint64 { return r.managerRev.Load() }
func (r *memReader) Managers() ([]wsv1.WorkspaceManager, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.managers, nil
}
func (r *memReader) Workspace(_ context.Context, ns, name string) (*wsv1.Workspace, error) {
	r.reads.Add(1)
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.workspaces[ns+"/"+name].DeepCopy(), nil
}
func (r *memReader) Template(_ context.Context, name string) (*wsv1.WorkspaceTemplate, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.templates[name].DeepCopy(), nil
}
func (r *memReader) Shares(_ context.Context, ns, name string) ([]wsv1.WorkspaceShare, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.shares[ns+"/"+name], nil
}
func (r *memReader) Revision(ns, name string) uint64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.revs[ns+"/"+name]
}

// fakeRBAC allows the users in allowed; calls counts its answers.
type fakeRBAC struct {
	mu      sync.Mutex
	allowed map[string]bool
	calls   atomic.Int64
}

func (f *fakeRBAC) MayConnect(_ context.Context, user string, _ []string, _, _ string) (bool, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.allowed == nil || f.allowed[user], nil
}

// countingPolicy counts Rego evaluations.
type countingPolicy struct {
	*engine.Engine
	calls atomic.Int64
}

func (p *countingPolicy) DecideAccess(ctx context.Context, in engine.AccessInput) (engine.AccessDecision, error) {
	p.calls.Add(1)
	return p.Engine.DecideAccess(ctx, in)
}

func defaultPolicy(t testing.TB) *countingPolicy {
	t.Helper()
	e := engine.New()
	if _, err := e.Load(context.Background(), engine.DefaultBundle()); err != nil {
		t.Fatal(err)
	}
	return &countingPolicy{Engine: e}
}

const testBase = "https://ide.example.com/lab"

func testManager(name, base string) wsv1.WorkspaceManager {
	return wsv1.WorkspaceManager{
		ObjectMeta: metav1.ObjectMeta{Name: name, Generation: 1},
		Spec: wsv1.WorkspaceManagerSpec{
			BaseURL: base,
			Authentication: wsv1.WorkspaceAuthentication{OIDC: wsv1.OIDCAuthentication{
				IssuerURL: "https://idp.example.com", ClientID: "weir",
			}},
		},
	}
}

func workspace(ns, name, owner string, ownership wsv1.OwnershipType) *wsv1.Workspace {
	return &wsv1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + ns + "-" + name), Generation: 1,
			Annotations: map[string]string{wsv1.AnnotationCreatedBy: owner}},
		Spec: wsv1.WorkspaceSpec{OwnershipType: ownership},
	}
}

func share(ns, name, ws string, subjects ...rbacv1.Subject) wsv1.WorkspaceShare {
	return wsv1.WorkspaceShare{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       wsv1.WorkspaceShareSpec{WorkspaceName: ws, Subjects: subjects},
	}
}

func user(name string) rbacv1.Subject { return rbacv1.Subject{Kind: rbacv1.UserKind, Name: name} }

// logBuffer is a logger that writes into a buffer.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.buf.WriteString(prefix + " " + args + "\n")
	}, funcr.Options{Verbosity: 1})
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

type testServer struct {
	*Server
	reader *memReader
	rbac   *fakeRBAC
	policy *countingPolicy
	log    *logBuffer
	now    time.Time
}

func newTestServer(t testing.TB, managers ...wsv1.WorkspaceManager) *testServer {
	t.Helper()
	if len(managers) == 0 {
		managers = []wsv1.WorkspaceManager{testManager("default", testBase)}
	}
	keys, err := NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{reader: newMemReader(managers...), rbac: &fakeRBAC{}, policy: defaultPolicy(t), log: &logBuffer{},
		now: time.Now()}
	ts.Server, err = New(Options{Reader: ts.reader, Authorizer: ts.rbac, Policy: ts.policy, Keys: keys, Log: ts.log.logger()})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// sessionCookie logs user in at the first manager, as the callback would.
func (ts *testServer) sessionCookie(t testing.TB, user string, groups ...string) *http.Cookie {
	t.Helper()
	st := ts.currentSites()[0]
	rec := httptest.NewRecorder()
	if err := ts.setSession(rec, st, st.m.Spec.Authentication.OIDC.IssuerURL, user, sortedGroups(groups)); err != nil {
		t.Fatal(err)
	}
	cs := rec.Result().Cookies()
	if len(cs) != 1 {
		t.Fatalf("setSession set %d cookies", len(cs))
	}
	return cs[0]
}

// authRequest is the proxy's forward-auth request for a browser's GET of
// uri on host.
func authRequest(host, uri string, cookie *http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://weir-access:8090"+AuthPath, nil)
	r.Header.Set("X-Forwarded-Method", http.MethodGet)
	r.Header.Set("X-Forwarded-Proto", "https")
	r.Header.Set("X-Forwarded-Host", host)
	r.Header.Set("X-Forwarded-Uri", uri)
	r.Header.Set("Accept", "text/html,application/xhtml+xml")
	if cookie != nil {
		r.AddCookie(cookie)
	}
	return r
}

func (ts *testServer) do(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	ts.ServeHTTP(rec, r)
	return rec
}
