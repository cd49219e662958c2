package webhooks

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/go-logr/logr"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
)

// The committed configurations are what the table renders: editing one by
// hand, or the table without `make manifests`, fails here (and in make
// verify-generated).
func TestGeneratedFilesMatchTable(t *testing.T) {
	files, err := GeneratedFiles()
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{FileKustomize, FileLocal, FileChart} {
		want, ok := files[path]
		if !ok {
			t.Fatalf("GeneratedFiles has no %s", path)
		}
		got, err := os.ReadFile(filepath.Join("..", path))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s is not what webhooks/table.go renders: run `make manifests` (go run ./webhooks/gen) and commit it", path)
		}
	}
	if len(files) != 3 {
		t.Errorf("GeneratedFiles wrote %d files, want 3", len(files))
	}
}

// Each kind Weir decides has its webhooks, with the operations its
// policies need, and every entry is unique and served by a PolicyHandler.
func TestTable(t *testing.T) {
	type side struct {
		resource string
		mutating bool
	}
	want := map[side][]admissionregistrationv1.OperationType{
		{"runs", false}:               {admissionregistrationv1.Create, admissionregistrationv1.Update},
		{"runs", true}:                {admissionregistrationv1.Create, admissionregistrationv1.Update},
		{"policybundles", false}:      {admissionregistrationv1.Create, admissionregistrationv1.Update},
		{"workspaces", false}:         {admissionregistrationv1.Create, admissionregistrationv1.Update, admissionregistrationv1.Delete},
		{"workspaces", true}:          {admissionregistrationv1.Create, admissionregistrationv1.Update},
		{"workspacetemplates", false}: {admissionregistrationv1.Create, admissionregistrationv1.Update},
		{"workspacetemplates", true}:  {admissionregistrationv1.Create, admissionregistrationv1.Update},
		{"workspaceshares", false}:    {admissionregistrationv1.Create, admissionregistrationv1.Update},
		{"workspaceshares", true}:     {admissionregistrationv1.Create, admissionregistrationv1.Update},
	}
	names, paths := map[string]bool{}, map[string]bool{}
	for _, h := range Table {
		if names[h.Name] || paths[h.Path] {
			t.Errorf("webhook %s (%s) is listed twice", h.Name, h.Path)
		}
		names[h.Name], paths[h.Path] = true, true
		s := side{h.Resources[0], h.Mutating}
		ops, ok := want[s]
		if !ok {
			t.Errorf("unexpected webhook %s for %v", h.Name, s)
			continue
		}
		delete(want, s)
		if !slices.Equal(h.Operations, ops) {
			t.Errorf("%s operations = %v, want %v", h.Name, h.Operations, ops)
		}
		p := h.handler(nil, Related{}, logr.Discard(), handlerDeps{})
		if p.Webhook != h.Name || p.Mutating != h.Mutating {
			t.Errorf("%s handler = %q mutating=%v", h.Name, p.Webhook, p.Mutating)
		}
	}
	for s := range want {
		t.Errorf("no webhook for %v", s)
	}
}
