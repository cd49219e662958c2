package s3

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source"
)

const (
	// BatchSize is the most items handed to emit at once.
	BatchSize = 100
	// DiscoveryTimeout bounds a whole discovery (upstream has none).
	DiscoveryTimeout = 30 * time.Minute
)

// Provider is providers[0] of every asset, and so part of every MRN.
const Provider = "S3"

// AssetType is the type of every asset.
const AssetType = "Bucket"

// Discover lists the buckets cfg's credentials see and emits one Bucket
// asset per bucket, with upstream's name, MRN and metadata (contract
// §2.5), in batches of at most BatchSize. Objects are never listed.
// Connections go through dial (nil: net.Dialer).
//
// A bucket whose details S3 refuses (access denied, not configured,
// not implemented by the store) is still emitted, the affected keys
// absent or "disabled", as upstream. Anything else (listing the buckets
// fails, the network fails mid-way, the time limit) stops discovery
// with a *source.Error rather than emit a partial list, which would
// make Marmot delete the missing buckets as stale. An error returned by
// emit is returned as it is.
func Discover(ctx context.Context, cfg Config, dial DialFunc, emit func([]model.Item) error) error {
	ctx, cancel := context.WithTimeout(ctx, DiscoveryTimeout)
	defer cancel()
	client, err := newClient(ctx, cfg, dial)
	if err != nil {
		return &source.Error{Message: "s3: creating AWS config: " + err.Error()}
	}
	d := &discoverer{cfg: cfg, client: client, now: time.Now().UTC(), log: slog.Default()}
	buckets, err := d.buckets(ctx)
	if err != nil {
		return failure("listing buckets", err)
	}
	if cfg.Bucket != "" {
		i := slices.IndexFunc(buckets, func(b types.Bucket) bool { return aws.ToString(b.Name) == cfg.Bucket })
		if i < 0 {
			// Emitting nothing would make Marmot delete the bucket's asset.
			return &source.Error{Message: "s3: bucket: " + cfg.Bucket + " is not among the buckets these credentials list (check the name, the account and s3:ListAllMyBuckets)"}
		}
		buckets = buckets[i : i+1]
	}
	var batch []model.Item
	for _, b := range buckets {
		md, err := d.metadata(ctx, b)
		if err != nil {
			return failure("reading bucket "+aws.ToString(b.Name), err)
		}
		batch = append(batch, model.Item{Asset: d.asset(aws.ToString(b.Name), md)})
		if len(batch) == BatchSize {
			if err := emit(batch); err != nil {
				return err
			}
			batch = nil
		}
	}
	if len(batch) > 0 {
		return emit(batch)
	}
	return nil
}

type discoverer struct {
	cfg    Config
	client *s3.Client
	now    time.Time
	log    *slog.Logger
}

// buckets lists every bucket, following continuation tokens (upstream
// makes one unpaginated call, which AWS refuses above 10,000 buckets).
func (d *discoverer) buckets(ctx context.Context) ([]types.Bucket, error) {
	var out []types.Bucket
	in := &s3.ListBucketsInput{}
	for {
		page, err := d.client.ListBuckets(ctx, in)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Buckets...)
		if page.ContinuationToken == nil || *page.ContinuationToken == "" {
			// By name, as AWS lists them: the same order every run, whatever
			// an S3-compatible store returns.
			slices.SortFunc(out, func(a, b types.Bucket) int { return strings.Compare(aws.ToString(a.Name), aws.ToString(b.Name)) })
			return out, nil
		}
		in = &s3.ListBucketsInput{ContinuationToken: page.ContinuationToken}
	}
}

// answered says whether err is S3's answer to a request (access denied,
// no such configuration, not implemented...), which only makes a
// metadata key absent or "disabled"; anything else (network, time
// limit) is returned by metadata.
func answered(err error) bool {
	// The SDK wraps a failed send as a ResponseError with status 0.
	var re *smithyhttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() > 0
}

// metadata reads a bucket's configuration, in upstream's order of calls.
func (d *discoverer) metadata(ctx context.Context, b types.Bucket) (map[string]any, error) {
	name := aws.ToString(b.Name)
	bucket := aws.String(name)
	md := map[string]any{"bucket_arn": "arn:aws:s3:::" + name}
	if b.CreationDate != nil {
		md["creation_date"] = b.CreationDate.UTC().Format(time.RFC3339)
	}
	// step records a call's outcome: ok sets keys, an answered error
	// sets the fallback (if any), any other error stops.
	var stop error
	step := func(err error, ok func(), fallback string, key string) {
		switch {
		case stop != nil:
		case err == nil:
			ok()
		case answered(err):
			d.log.Debug("s3: bucket detail unavailable", "bucket", name, "key", key, "error", err.Error())
			if fallback != "" {
				md[key] = fallback
			}
		default:
			stop = err
		}
	}
	loc, err := d.client.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: bucket})
	step(err, func() {
		r := string(loc.LocationConstraint)
		if r == "" {
			r = "us-east-1"
		}
		md["region"] = r
	}, "", "region")
	ver, err := d.client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: bucket})
	step(err, func() { md["versioning"] = string(ver.Status) }, "", "versioning")
	enc, err := d.client.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: bucket})
	step(err, func() {
		if enc.ServerSideEncryptionConfiguration != nil {
			md["encryption"] = "enabled"
		} else {
			md["encryption"] = "disabled"
		}
	}, "disabled", "encryption")
	pab, err := d.client.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: bucket})
	step(err, func() {
		c := pab.PublicAccessBlockConfiguration
		if c == nil {
			c = &types.PublicAccessBlockConfiguration{}
		}
		md["public_access_block"] = fmt.Sprintf("BlockPublicAcls:%t,IgnorePublicAcls:%t,BlockPublicPolicy:%t,RestrictPublicBuckets:%t",
			aws.ToBool(c.BlockPublicAcls), aws.ToBool(c.IgnorePublicAcls), aws.ToBool(c.BlockPublicPolicy), aws.ToBool(c.RestrictPublicBuckets))
	}, "", "public_access_block")
	notif, err := d.client.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: bucket})
	step(err, func() {
		md["notification_config"] = enabled(len(notif.TopicConfigurations)+len(notif.QueueConfigurations)+len(notif.LambdaFunctionConfigurations) > 0)
	}, "", "notification_config")
	_, err = d.client.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: bucket})
	step(err, func() { md["lifecycle_config"] = "enabled" }, "disabled", "lifecycle_config")
	_, err = d.client.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: bucket})
	step(err, func() { md["replication_config"] = "enabled" }, "disabled", "replication_config")
	_, err = d.client.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: bucket})
	step(err, func() { md["website_config"] = "enabled" }, "disabled", "website_config")
	logging, err := d.client.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: bucket})
	step(err, func() { md["logging_config"] = enabled(logging.LoggingEnabled != nil) }, "disabled", "logging_config")
	acc, err := d.client.GetBucketAccelerateConfiguration(ctx, &s3.GetBucketAccelerateConfigurationInput{Bucket: bucket})
	step(err, func() { md["accelerate_config"] = string(acc.Status) }, "", "accelerate_config")
	pay, err := d.client.GetBucketRequestPayment(ctx, &s3.GetBucketRequestPaymentInput{Bucket: bucket})
	step(err, func() { md["request_payment_config"] = string(pay.Payer) }, "", "request_payment_config")
	if d.cfg.TagsToMetadata && stop == nil {
		tags, err := d.client.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: bucket})
		step(err, func() {
			// As upstream: the tags replace the metadata entirely.
			md = map[string]any{}
			for _, t := range tags.TagSet {
				k := aws.ToString(t.Key)
				if len(d.cfg.IncludeTags) == 0 || contains(d.cfg.IncludeTags, k) {
					md["tag_"+k] = aws.ToString(t.Value)
				}
			}
		}, "", "tags")
	}
	if stop != nil {
		return nil, stop
	}
	if len(md) == 0 {
		md = nil
	}
	return md, nil
}

func enabled(b bool) string {
	if b {
		return "enabled"
	}
	return "disabled"
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// asset builds a Bucket asset as upstream does: provider S3, one source
// whose properties are the metadata, the config's tags interpolated with
// the metadata.
func (d *discoverer) asset(name string, md map[string]any) *model.Asset {
	return &model.Asset{
		MRN:       model.MRN(AssetType, Provider, name),
		Name:      name,
		Type:      AssetType,
		Providers: []string{Provider},
		Metadata:  md,
		Tags:      interpolateTags(d.cfg.Tags, md),
		Sources: []model.AssetSource{{
			Name:       Provider,
			LastSyncAt: d.now,
			Properties: md,
			Priority:   1,
		}},
	}
}

// failure is the *source.Error Discover returns for err.
func failure(what string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%w (time limit reached)", err)
	}
	return &source.Error{Message: "s3: " + what + ": " + err.Error(), Retryable: retryable(err)}
}

// retryable says whether trying again may help: yes for the network,
// time limits, throttling and 5xx answers; no for refusals (403,
// signature mismatch), bad regions and bad config.
func retryable(err error) bool {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() > 0 {
		code := re.HTTPStatusCode()
		return code >= 500 || code == 429 || strings.Contains(err.Error(), "SlowDown")
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe)
}
