package fetch

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	godigest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
)

// maxManifest bounds a manifest: a single-layer artifact's is well under
// a few KiB.
const maxManifest = 1 << 20

// dockerManifest is the Docker v2 manifest media type, which registries
// still serve for some artifacts; its layout is the OCI manifest's.
const dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"

// fetchOCI pulls a module pushed as an OCI artifact (oras push, or any
// tool that writes an image manifest with one layer): the manifest by
// tag or digest, then its only layer, which must be the module. Pulls are
// anonymous, over https, with the fetcher's CA roots.
func (f *Fetcher) fetchOCI(ctx context.Context, client *http.Client, ref, sum string) ([]byte, error) {
	url := display("oci://" + ref) // for messages
	repo, err := remote.NewRepository(ref)
	if err != nil {
		return nil, fmt.Errorf("OCI reference %s: %w", url, err)
	}
	if repo.Reference.Reference == "" {
		return nil, fmt.Errorf("OCI reference %s: name a tag (:v1) or a digest (@sha256:...)", url)
	}
	repo.Client = &auth.Client{Client: client, Cache: auth.NewCache()}
	desc, rc, err := repo.FetchReference(ctx, repo.Reference.Reference)
	if err != nil {
		return nil, fmt.Errorf("fetching manifest of %s: %w", url, err)
	}
	raw, err := readCapped(rc, desc.Size, maxManifest, url)
	rc.Close()
	if err != nil {
		return nil, err
	}
	layer, err := onlyLayer(url, desc.MediaType, raw)
	if err != nil {
		return nil, err
	}
	// The manifest already says which bytes the layer holds: a wrong
	// module is refused before it is downloaded.
	if layer.Digest.Algorithm() != godigest.SHA256 || layer.Digest.Encoded() != sum {
		got := layer.Digest.String()
		if layer.Digest.Algorithm() == godigest.SHA256 {
			got = layer.Digest.Encoded()
		}
		return nil, &DigestError{URL: url, Want: sum, Got: got}
	}
	if layer.Size > f.opts.MaxBytes {
		return nil, tooLarge(url, f.opts.MaxBytes)
	}
	blob, err := repo.Blobs().Fetch(ctx, layer)
	if err != nil {
		return nil, fmt.Errorf("fetching module layer %s of %s: %w", layer.Digest, url, err)
	}
	defer blob.Close()
	return readCapped(io.LimitReader(blob, layer.Size+1), layer.Size, f.opts.MaxBytes, url)
}

func onlyLayer(url, mediaType string, raw []byte) (ocispec.Descriptor, error) {
	switch mediaType {
	case ocispec.MediaTypeImageManifest, dockerManifest:
	case ocispec.MediaTypeImageIndex, "application/vnd.docker.distribution.manifest.list.v2+json":
		return ocispec.Descriptor{}, fmt.Errorf("%s is an index of several manifests; reference the artifact's own manifest (its @sha256 digest)", url)
	default:
		return ocispec.Descriptor{}, fmt.Errorf("%s has a manifest of media type %q; want an OCI image manifest with one layer, the module", url, mediaType)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("manifest of %s: %w", url, err)
	}
	if len(m.Layers) != 1 {
		return ocispec.Descriptor{}, fmt.Errorf("%s has %d layers; a plugin artifact has exactly one, the module (oras push <ref> plugin.wasm:application/wasm)", url, len(m.Layers))
	}
	if err := m.Layers[0].Digest.Validate(); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("manifest of %s: layer digest: %w", url, err)
	}
	return m.Layers[0], nil
}
