package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/weir-dev/weir/test/bench/plugins/s3fake"
)

// benchS3 measures the s3 source against gofakes3 on loopback
// (s3fake): -s3-buckets buckets holding -s3-objects objects between
// them. The source lists buckets and reads each one's configuration (11
// requests a bucket); it never lists objects.
func benchS3(ctx context.Context, tmp string) (summary, error) {
	logf("creating %d buckets, %d objects", *buckets, *objects)
	store, err := s3fake.New(*buckets, *objects)
	if err != nil {
		return summary{}, err
	}
	defer store.Close()
	cfg, _ := json.Marshal(store.Config())
	warm := filepath.Join(tmp, "cache-s3")
	if err := warmUp(ctx, "s3", warm); err != nil {
		return summary{}, err
	}
	return compare(ctx, "s3", fmt.Sprintf("gofakes3, %d buckets, %d objects", *buckets, *objects), warm, string(cfg), *buckets)
}

// childEnv keeps the children's AWS SDK (the native s3 source) from
// reading this machine's AWS settings: a static key from the config, no
// shared files, no instance metadata. The wasm module sees no host
// environment either way.
func childEnv() []string {
	env := []string{"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"} {
		env = append(env, k+"=")
	}
	return env
}
