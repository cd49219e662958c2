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

// ConfigSchema is the JSON Schema (draft 2020-12) of Config.
// credentials.endpoint is marked "x-weir-endpoint" (under the sandbox it
// is the only host the source may dial, so give it for AWS too:
// https://s3.<region>.amazonaws.com); secret and token "x-weir-secret".
func ConfigSchema() map[string]any {
	str := func(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }
	strList := configcheck.StringList
	secret := func(desc string) map[string]any {
		return map[string]any{"type": "string", "description": desc, "x-weir-secret": true}
	}
	schema := map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
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
					"region":           str("Region every call goes to (for S3-compatible stores usually us-east-1)."),
					"endpoint": map[string]any{
						"type": "string", "format": "uri",
						"description":     "Endpoint URL overriding AWS's, e.g. http://minio:9000 for an S3-compatible store; forces path-style addressing.",
						"x-weir-endpoint": true,
					},
				},
			},
			"bucket":           str("Discover only this bucket (upstream ignores the key and discovers every bucket; narrow with filter for its behaviour)."),
			"region":           str("Region, when credentials.region is not set."),
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
