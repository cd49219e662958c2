//go:build e2e

package faults

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/weir-dev/weir/operator/manager"
)

// tally counts what creating through the API server met: objects made,
// refusals because no webhook answered (failurePolicy: Fail while the
// manager is down), other transient errors, and creates whose response
// was lost but whose object exists (AlreadyExists on a retry).
type tally struct {
	created, refusals, transient, lostResponses atomic.Int64

	mu      sync.Mutex
	samples []string // the first few error messages of each kind
}

func (t *tally) sample(kind string, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.samples) < 6 {
		t.samples = append(t.samples, kind+": "+err.Error())
	}
}

func (t *tally) String() string {
	return fmt.Sprintf("created %d, refused by an unreachable webhook %d times, other transient errors %d, lost responses %d",
		t.created.Load(), t.refusals.Load(), t.transient.Load(), t.lostResponses.Load())
}

// fastClient is an admin client without client-side rate limits: the
// creators stand for many users at once.
func fastClient(cfg *rest.Config) (client.Client, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 2000, 4000
	cfg.Timeout = 30 * time.Second
	return client.New(cfg, client.Options{Scheme: manager.Scheme()})
}

// webhookDown says err is the API server failing closed because it could
// not call a webhook (connection refused, timeout): what a user retries.
func webhookDown(err error) bool {
	return strings.Contains(err.Error(), "failed calling webhook")
}

// transientErr is what kubectl users retry: the API server busy, timing
// out or unreachable.
func transientErr(err error) bool {
	return apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) || apierrors.IsTooManyRequests(err) ||
		apierrors.IsServiceUnavailable(err) || apierrors.IsInternalError(err) || apierrors.IsUnexpectedServerError(err) ||
		strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "EOF") ||
		strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "context deadline exceeded")
}

// createAll creates obj(0) … obj(n-1) with workers in parallel, each retried
// (after 250 ms, then up to 2 s apart) until the API server takes it, as
// a user repeating kubectl create would. A refusal that retrying cannot
// cure (a policy denial, a schema error) is returned.
func createAll(ctx context.Context, c client.Client, workers, n int, obj func(int) client.Object, t *tally) error {
	next := atomic.Int64{}
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := createOne(ctx, c, func() client.Object { return obj(i) }, t); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs // the first, if any
}

func createOne(ctx context.Context, c client.Client, obj func() client.Object, t *tally) error {
	wait := 250 * time.Millisecond
	for attempt := 0; ; attempt++ {
		o := obj()
		err := c.Create(ctx, o)
		switch {
		case err == nil:
			t.created.Add(1)
			return nil
		case apierrors.IsAlreadyExists(err) && attempt > 0:
			// An earlier attempt was stored but its answer lost.
			t.lostResponses.Add(1)
			t.created.Add(1)
			return nil
		case webhookDown(err):
			t.refusals.Add(1)
			t.sample("webhook", err)
		case transientErr(err):
			t.transient.Add(1)
			t.sample("transient", err)
		default:
			return fmt.Errorf("create %T %s: %w", o, client.ObjectKeyFromObject(o), err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("create %T %s: gave up after %d attempts: %w", o, client.ObjectKeyFromObject(o), attempt+1, err)
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}
