package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-logr/logr/funcr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestQuietCertStartupDowngradesOnlyTheRotatorsStartErrors(t *testing.T) {
	var lines []string
	l := quietCertStartup(funcr.New(func(prefix, args string) { lines = append(lines, prefix+" "+args) }, funcr.Options{}))
	conflict := apierrors.NewConflict(schema.GroupResource{Resource: "secrets"}, "weir-webhook-cert", errors.New("the object has been modified"))
	rot := l.WithName("cert-rotation")
	rot.Error(conflict, "could not refresh CA and server certs")
	rot.WithValues("k", "v").Error(errors.New("missing ca.crt"), "secret is not well-formed, cannot update webhook configurations")
	// Still errors: another failure of the rotator, the same message
	// elsewhere.
	rot.Error(errors.New("forbidden"), "could not refresh CA and server certs")
	l.WithName("setup").Error(conflict, "could not refresh CA and server certs")

	if len(lines) != 4 {
		t.Fatalf("%d lines, want 4:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for i, wantInfo := range []bool{true, true, false, false} {
		if info := strings.Contains(lines[i], `"level"=0`); info != wantInfo {
			t.Errorf("line %d logged at info = %v, want %v: %s", i, info, wantInfo, lines[i])
		}
		if !strings.Contains(lines[i], `"error"=`) {
			t.Errorf("line %d lost its error: %s", i, lines[i])
		}
	}
}
