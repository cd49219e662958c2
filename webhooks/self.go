package webhooks

import (
	"context"
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// selfUsername asks the API server who Weir's manager is (a
// SelfSubjectReview, which every authenticated identity may make), so the
// policies can tell Weir's own writes (idle shutdown stopping an OwnerOnly
// Workspace) from a user's: input.related.weir.username.
func selfUsername(ctx context.Context, cfg *rest.Config) (string, error) {
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return "", err
	}
	r := &authenticationv1.SelfSubjectReview{}
	if err := c.Create(ctx, r); err != nil {
		return "", fmt.Errorf("SelfSubjectReview: %w", err)
	}
	return r.Status.UserInfo.Username, nil
}
