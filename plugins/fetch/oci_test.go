package fetch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	godigest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/weir-dev/weir/plugins/fetch/fetchtest"
)

// registry is a minimal OCI distribution server for one repository. It
// asks for an anonymous bearer token first, as Docker Hub and GHCR do.
type registry struct {
	mu        sync.Mutex
	manifests map[string][]byte // tag or digest -> manifest
	types     map[string]string // tag or digest -> media type
	blobs     map[string][]byte
	blobHits  int
}

const repoName = "weir/plugins/good"

func newRegistry() *registry {
	return &registry{manifests: map[string][]byte{}, types: map[string]string{}, blobs: map[string][]byte{}}
}

// push stores layers as blobs and a manifest naming them under tag.
func (r *registry) push(t *testing.T, tag, mediaType string, layers ...[]byte) godigest.Digest {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest, ArtifactType: "application/vnd.weir.plugin.v1",
		Config: ocispec.DescriptorEmptyJSON}
	m.SchemaVersion = 2
	r.blobs[string(ocispec.DescriptorEmptyJSON.Digest)] = ocispec.DescriptorEmptyJSON.Data
	for _, l := range layers {
		d := godigest.FromBytes(l)
		r.blobs[string(d)] = l
		m.Layers = append(m.Layers, ocispec.Descriptor{MediaType: "application/wasm", Digest: d, Size: int64(len(l))})
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	d := godigest.FromBytes(raw)
	for _, ref := range []string{tag, string(d)} {
		r.manifests[ref], r.types[ref] = raw, mediaType
	}
	return d
}

func (r *registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path == "/token" {
		// A failed write shows at the client, as a token it cannot read.
		_ = json.NewEncoder(w).Encode(map[string]string{"token": "anonymous-token"})
		return
	}
	if req.Header.Get("Authorization") != "Bearer anonymous-token" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="https://`+req.Host+`/token",service="test",scope="repository:`+repoName+`:pull"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	prefix := "/v2/" + repoName + "/"
	rest, ok := strings.CutPrefix(req.URL.Path, prefix)
	switch {
	case req.URL.Path == "/v2/":
		return
	case ok && strings.HasPrefix(rest, "manifests/"):
		ref := strings.TrimPrefix(rest, "manifests/")
		m, found := r.manifests[ref]
		if !found {
			http.NotFound(w, req)
			return
		}
		w.Header().Set("Content-Type", r.types[ref])
		w.Header().Set("Docker-Content-Digest", godigest.FromBytes(m).String())
		if req.Method != http.MethodHead {
			_, _ = w.Write(m) // a short write shows at the client, as a digest mismatch
		}
	case ok && strings.HasPrefix(rest, "blobs/"):
		b, found := r.blobs[strings.TrimPrefix(rest, "blobs/")]
		if !found {
			http.NotFound(w, req)
			return
		}
		r.blobHits++
		_, _ = w.Write(b) // a short write shows at the client, as a digest mismatch
	default:
		http.NotFound(w, req)
	}
}

func TestFetchOCIArtifact(t *testing.T) {
	reg := newRegistry()
	srv := fetchtest.NewHandlerServer(t, reg)
	host := strings.TrimPrefix(srv.URL, "https://")
	manifest := reg.push(t, "1.0.0", ocispec.MediaTypeImageManifest, module)
	sum := fetchtest.SHA256(module)
	f := newFetcher(t, Options{CAFile: srv.CAFile})
	for _, ref := range []string{host + "/" + repoName + ":1.0.0", host + "/" + repoName + "@" + manifest.String()} {
		got, err := f.Fetch(context.Background(), "oci://"+ref, sum)
		if err != nil || !bytes.Equal(got, module) {
			t.Fatalf("Fetch(oci://%s) = %q, %v", ref, got, err)
		}
	}

	// A wrong digest is refused from the manifest: the blob is not pulled.
	reg.blobHits = 0
	want := fetchtest.SHA256([]byte("another module"))
	_, err := f.Fetch(context.Background(), "oci://"+host+"/"+repoName+":1.0.0", want)
	var de *DigestError
	if !errors.As(err, &de) || de.Got != sum || de.Want != want {
		t.Errorf("wrong digest: Fetch = %v, want a *DigestError", err)
	}
	if reg.blobHits != 0 {
		t.Errorf("the refused layer was downloaded")
	}
}

func TestFetchOCIRefusesOtherShapes(t *testing.T) {
	reg := newRegistry()
	srv := fetchtest.NewHandlerServer(t, reg)
	host := strings.TrimPrefix(srv.URL, "https://")
	reg.push(t, "two", ocispec.MediaTypeImageManifest, module, []byte("readme"))
	reg.push(t, "index", ocispec.MediaTypeImageIndex, module)
	f := newFetcher(t, Options{CAFile: srv.CAFile})
	sum := fetchtest.SHA256(module)
	for ref, want := range map[string]string{
		host + "/" + repoName + ":two":     "2 layers",
		host + "/" + repoName + ":index":   "index",
		host + "/" + repoName + ":missing": "manifest",
		host + "/" + repoName:              "tag",
	} {
		if _, err := f.Fetch(context.Background(), "oci://"+ref, sum); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Fetch(oci://%s) = %v, want an error with %q", ref, err, want)
		}
	}
}
