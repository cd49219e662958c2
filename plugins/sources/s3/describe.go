package s3

import (
	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source/configcheck"
)

// ID is the source's name in pipeline.yaml, as upstream.
const ID = "s3"

// ABI is the plugin ABI version this source is written for.
const ABI = 1

// Version is the source's version (set with -ldflags -X when built).
var Version = "0.1.0"

// Describe says what the source is: its id, version, ABI, config schema
// and the capabilities it needs (network: it calls S3).
func Describe() model.Description {
	return model.Description{
		ID:           ID,
		Version:      Version,
		ABI:          ABI,
		ConfigSchema: ConfigSchema(),
		Capabilities: []string{"network"},
	}
}

// AWSHosts are the hosts a region implies under the sandbox ("{value}"
// is the region): S3's regional endpoint, path-style and virtual-hosted
// (<bucket>.s3.<region>.amazonaws.com, the SDK's default), and STS,
// regional and global, which web identity (IRSA) and role use. Always
// HTTPS.
var AWSHosts = []string{
	"s3.{value}.amazonaws.com:443",
	"*.s3.{value}.amazonaws.com:443",
	"sts.{value}.amazonaws.com:443",
	"sts.amazonaws.com:443",
}

// Env are the environment variables the SDK's default chain reads for
// web identity (IRSA, as EKS's webhook injects them) and endpoints,
// which the sandbox passes to the module when the pod has them. Static
// keys are not among them: give those as ${VAR} references in the
// config. The token file is mounted read-only at its path; a region
// implies AWSHosts; endpoint URLs become dialable.
func Env() map[string]any {
	str := map[string]any{"type": "string"}
	region := map[string]any{"type": "string", "x-weir-endpoint-template": AWSHosts}
	endpoint := map[string]any{"type": "string", "x-weir-endpoint": true}
	return map[string]any{
		"AWS_ROLE_ARN":                str,
		"AWS_ROLE_SESSION_NAME":       str,
		"AWS_WEB_IDENTITY_TOKEN_FILE": map[string]any{"type": "string", "x-weir-file": true},
		"AWS_REGION":                  region,
		"AWS_DEFAULT_REGION":          region,
		"AWS_ENDPOINT_URL":            endpoint,
		"AWS_ENDPOINT_URL_STS":        endpoint,
		"AWS_ENDPOINT_URL_S3":         endpoint,
	}
}

// ConfigSchema is the JSON Schema (draft 2020-12) of Config.
// credentials.endpoint is marked "x-weir-endpoint" (under the sandbox
// the source may dial it), the regions "x-weir-endpoint-template" (they
// imply AWSHosts), secret and token "x-weir-secret"; "x-weir-env"
// declares the variables the module may receive (Env).
func ConfigSchema() map[string]any {
	str := func(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }
	strList := configcheck.StringList
	secret := func(desc string) map[string]any {
		return map[string]any{"type": "string", "description": desc, "x-weir-secret": true}
	}
	region := func(desc string) map[string]any {
		return map[string]any{"type": "string", "description": desc, "x-weir-endpoint-template": AWSHosts}
	}
	schema := map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"x-weir-env":           Env(),
		"title":                "AWS S3",
		"description":          "Discovers the buckets of an AWS account or an S3-compatible store, one Bucket asset each, with their configuration as metadata.",
		"type":                 "object",
		"additionalProperties": false,
		"properties": map[string]any{
			"credentials": map[string]any{
				"type":                 "object",
				"description":          "How to reach and sign in to S3.",
				"additionalProperties": false,
				"properties": map[string]any{
					"use_default": map[string]any{
						"type": "boolean", "default": true,
						"description": "Use the AWS SDK's default credential chain (environment, web identity/IRSA, shared files, container and instance roles); id, secret and token are then ignored. Defaults to false when id is given.",
					},
					"id":               str("Access key id (give it as a ${VAR} reference)."),
					"secret":           secret("Secret access key (give it as a ${VAR} reference)."),
					"token":            secret("Session token, with id and secret."),
					"profile":          str("Shared-config profile name."),
					"role":             str("ARN of a role to assume on top of the base credentials."),
					"role_external_id": str("External id for assuming role."),
					"region":           region("Region every call goes to (for S3-compatible stores usually us-east-1)."),
					"endpoint": map[string]any{
						"type": "string", "format": "uri",
						"description":     "Endpoint URL overriding AWS's, e.g. http://minio:9000 for an S3-compatible store; forces path-style addressing.",
						"x-weir-endpoint": true,
					},
				},
			},
			"bucket":           str("Discover only this bucket (upstream ignores the key and discovers every bucket; narrow with filter for its behaviour)."),
			"region":           region("Region, when credentials.region is not set."),
			"tags_to_metadata": map[string]any{"type": "boolean", "default": false, "description": "Replace each bucket's metadata by its AWS tags (tag_<key>)."},
			"include_tags":     strList("With tags_to_metadata: the AWS tag keys to keep (exact; empty: all)."),
		},
	}
	props := schema["properties"].(map[string]any)
	for k, v := range configcheck.CommonSchema() {
		props[k] = v
	}
	return schema
}
