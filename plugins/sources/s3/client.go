package s3

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// DialFunc opens a network connection, like net.Dialer.DialContext. In a
// wasm guest it is the host's sandboxed dialer; nil means a plain
// net.Dialer. It gets "host:port" unresolved: the dialer resolves.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// awsConfig loads the AWS SDK configuration for cfg as upstream's SDK
// does (contract §2.2): a static key when one is given and use_default
// is off, else the SDK's default chain (environment, web identity from
// AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE, shared files, container
// and instance roles), then role assumed on top. Every HTTP connection,
// STS's included, goes through dial.
func awsConfig(ctx context.Context, cfg Config, dial DialFunc) (aws.Config, error) {
	if dial == nil {
		d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
		dial = d.DialContext
	}
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.DialContext = dial
		tr.Proxy = nil // the sandbox names what may be dialled; no proxies from the environment
	})
	c := cfg.Credentials
	opts := []func(*config.LoadOptions) error{config.WithHTTPClient(httpClient)}
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	if c.static() {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(c.ID, c.Secret, c.Token)))
	}
	ac, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, err
	}
	if c.Role != "" {
		// As upstream, STS is built before the endpoint override: it
		// goes to AWS even when endpoint names another store.
		stsClient := sts.NewFromConfig(ac)
		ac.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, c.Role, func(o *stscreds.AssumeRoleOptions) {
			if c.RoleExternalID != "" {
				o.ExternalID = aws.String(c.RoleExternalID)
			}
		}))
	}
	if c.Endpoint != "" {
		ac.BaseEndpoint = aws.String(c.Endpoint)
	}
	if ac.Region == "" {
		return aws.Config{}, errors.New("credentials.region: required: no region in the config or the environment (AWS_REGION); S3-compatible stores usually take us-east-1")
	}
	return ac, nil
}

// newClient is the S3 client for cfg. Any base endpoint (the config's,
// AWS_ENDPOINT_URL(_S3)'s or a profile's) forces path-style addressing,
// as upstream: S3-compatible stores rarely serve bucket host names.
func newClient(ctx context.Context, cfg Config, dial DialFunc) (*s3.Client, error) {
	ac, err := awsConfig(ctx, cfg, dial)
	if err != nil {
		return nil, err
	}
	return s3.NewFromConfig(ac, func(o *s3.Options) {
		if o.BaseEndpoint != nil { // the service-specific ones are resolved into o
			o.UsePathStyle = true
		}
	}), nil
}
