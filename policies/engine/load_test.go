package engine

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

// loadErr loads b into e and returns its single *Error.
func loadErr(t *testing.T, e *Engine, bundles ...Bundle) *Error {
	t.Helper()
	_, err := e.Load(context.Background(), bundles...)
	var be *Error
	if !errors.As(err, &be) {
		t.Fatalf("Load: err = %v, want an *Error", err)
	}
	return be
}

func TestLoadSyntaxErrorKeepsRevision(t *testing.T) {
	e := loaded(t, DefaultBundle())
	before, _ := e.Current()

	bad := acmeBundle("")
	bad.Modules["runs/broken.rego"] = "package weir.runs\n\ndeny contains v if {\n\tv := \n}\n"
	be := loadErr(t, e, DefaultBundle(), bad)
	p := be.Problems[0]
	if be.Bundle != "acme" || p.File != "acme/runs/broken.rego" || p.Line != 5 || p.Col != 1 || p.Code != "rego_parse_error" {
		t.Errorf("problem = %+v", p)
	}
	if !strings.Contains(be.Error(), "acme/runs/broken.rego:5:1: rego_parse_error: ") {
		t.Errorf("error text %q lacks file:line:col", be.Error())
	}

	after, _ := e.Current()
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("revision changed from %v to %v", before, after)
	}
	d := decide(t, e, runInput(t, badSpec))
	if d.Revision != before.ID || !reflect.DeepEqual(policyIDs(d.Denials), []string{"runs.schedule"}) {
		t.Errorf("old revision not deciding: %+v", d)
	}
}

func TestLoadCompileErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		src, want string
	}{
		"unsafe var":      {"package weir.runs\n\ndeny contains x if {\n\tinput.a == y\n}\n", "acme/x.rego:3:15: rego_unsafe_var_error: var x is unsafe"},
		"unknown func":    {"package weir.runs\n\ndeny contains \"x\" if {\n\tnope(1)\n}\n", "acme/x.rego:4:2: rego_type_error: undefined function nope"},
		"no network":      {"package weir.runs\n\ndeny contains \"x\" if {\n\thttp.send({})\n}\n", "acme/x.rego:4:2: rego_type_error: undefined function http.send"},
		"no DNS":          {"package weir.runs\n\ndeny contains \"x\" if {\n\tnet.lookup_ip_addr(\"a\")\n}\n", "acme/x.rego:4:2: rego_type_error: undefined function net.lookup_ip_addr"},
		"no environment":  {"package weir.runs\n\ndeny contains x if {\n\tx := opa.runtime()\n}\n", "acme/x.rego:4:7: rego_type_error: undefined function opa.runtime"},
		"library is ours": {"package weir.lib.quantity\n\nparse(q) := 1\n", "acme/x.rego:1:1: rego_compile_error: package weir.lib.quantity: weir.lib is Weir's library"},
		"rule over data":  {"package team\n\nname := \"x\"\n", "rego_compile_error: conflicting rule for data path team/name found"},
	} {
		t.Run(name, func(t *testing.T) {
			b := Bundle{Name: "acme", Modules: map[string]string{"x.rego": tc.src}, Data: map[string]any{"team": map[string]any{"name": "acme"}}}
			if err := New().Validate(b); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate: %v\nwant %q", err, tc.want)
			}
			if err := loadErr(t, New(), b); !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load: %v\nwant %q", err, tc.want)
			}
		})
	}
}

func TestLoadRejectsBadBundles(t *testing.T) {
	if be := loadErr(t, New(), acmeBundle(""), acmeBundle("")); !strings.Contains(be.Error(), `two bundles are named "acme"`) {
		t.Errorf("duplicate: %v", be)
	}
	if be := loadErr(t, New(), acmeBundle("enforce")); !strings.Contains(be.Error(), `mode "enforce"`) {
		t.Errorf("mode: %v", be)
	}
	if be := loadErr(t, New(), Bundle{Modules: map[string]string{}}); !strings.Contains(be.Error(), "needs a name") {
		t.Errorf("name: %v", be)
	}
}

func TestLoadReportsEveryBundle(t *testing.T) {
	a := Bundle{Name: "a", Modules: map[string]string{"a.rego": "package a\n\np :=\n"}}
	b := Bundle{Name: "b", Modules: map[string]string{"b.rego": "package b\n\nq if {\n"}}
	_, err := New().Load(context.Background(), a, b)
	if err == nil || !strings.Contains(err.Error(), "a/a.rego:") || !strings.Contains(err.Error(), "b/b.rego:") {
		t.Errorf("err = %v, want both bundles' problems", err)
	}
}

func TestLoadSameContentKeepsRevision(t *testing.T) {
	e := New()
	r1, err := e.Load(context.Background(), DefaultBundle(), acmeBundle(""))
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := e.Load(context.Background(), DefaultBundle(), acmeBundle(""))
	r3, _ := e.Load(context.Background(), DefaultBundle(), acmeBundle(ModeWarn))
	if r1.ID != r2.ID || r1.ID == r3.ID || len(r1.ID) != 16 {
		t.Errorf("IDs %s %s %s: want the first two equal, the third different", r1.ID, r2.ID, r3.ID)
	}
}

func TestValidateDefaultBundle(t *testing.T) {
	if err := New().Validate(DefaultBundle()); err != nil {
		t.Fatal(err)
	}
}

// TestDecideDuringLoad decides without pause while bundles are swapped;
// every decision must be exactly that of the revision it names (run with
// -race).
func TestDecideDuringLoad(t *testing.T) {
	ctx := context.Background()
	sets := [][]Bundle{{DefaultBundle()}, {DefaultBundle(), acmeBundle("")}}
	want := map[string][]string{}
	for i, denials := range [][]string{{"runs.schedule"}, {"runs.schedule", "acme.service-account"}} {
		id, _ := revisionID(sets[i])
		want[id] = denials
	}
	e := loaded(t, sets[0]...)
	in := runInput(t, badSpec)

	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		defer close(stop)
		for i := range 20 {
			if _, err := e.Load(ctx, sets[i%2]...); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				d, err := e.Decide(ctx, in)
				if err != nil {
					t.Error(err)
					return
				}
				if got := policyIDs(d.Denials); !reflect.DeepEqual(got, want[d.Revision]) {
					t.Errorf("revision %s decided %v, want %v", d.Revision, got, want[d.Revision])
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestBundleFromFS(t *testing.T) {
	b, err := BundleFromFS("x", fstest.MapFS{
		"a.rego":             {Data: []byte("package a")},
		"runs/a_test.rego":   {Data: []byte("package a")},
		"data.json":          {Data: []byte(`{"settings": {"x": 1}}`)},
		"settings/data.json": {Data: []byte(`{"y": 2}`)},
		"README.md":          {Data: []byte("#")},
		".git/config.rego":   {Data: []byte("nope")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Modules) != 2 || b.Modules["runs/a_test.rego"] == "" {
		t.Errorf("modules = %v", b.Modules)
	}
	if got := b.Data["settings"].(map[string]any); len(got) != 2 {
		t.Errorf("data = %v, want x and y merged", b.Data)
	}
	_, err = BundleFromFS("x", fstest.MapFS{
		"data.json":          {Data: []byte(`{"settings": {"y": 1}}`)},
		"settings/data.json": {Data: []byte(`{"y": 2}`)},
	})
	if err == nil || !strings.Contains(err.Error(), "data.settings.y is defined twice") {
		t.Errorf("conflict: err = %v", err)
	}
}

func TestLoadNothingAllowsEverything(t *testing.T) {
	e := loaded(t)
	rev, ok := e.Current()
	if !ok || rev.ID == "" || len(rev.Bundles) != 0 {
		t.Fatalf("revision = %+v, %v", rev, ok)
	}
	d := decide(t, e, runInput(t, `{"runs": [{"postgresql": {"password": "hunter2"}}]}`))
	if !d.Allowed() || len(d.Warnings)+len(d.Patch)+len(d.DryRun) > 0 || d.Revision != rev.ID {
		t.Fatalf("no bundles: %+v", d)
	}
}

func TestDigest(t *testing.T) {
	a, _ := acmeBundle("").Digest()
	b, _ := acmeBundle(ModeWarn).Digest()
	rev, _ := loaded(t, acmeBundle("")).Current()
	if a == "" || a == b || a != rev.ID {
		t.Errorf("digests %q %q, revision of acme alone %q", a, b, rev.ID)
	}
}
