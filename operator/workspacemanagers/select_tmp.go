package workspacemanagers

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// TEMPORARY copy of workspaces.ManagerFor while that package is in progress.
func managerFor(managers []wsv1.WorkspaceManager, nsLabels map[string]string) *wsv1.WorkspaceManager {
	var best *wsv1.WorkspaceManager
	for i := range managers {
		m := &managers[i]
		if !m.DeletionTimestamp.IsZero() {
			continue
		}
		if m.Spec.NamespaceSelector != nil {
			sel, err := metav1.LabelSelectorAsSelector(m.Spec.NamespaceSelector)
			if err != nil || !sel.Matches(labels.Set(nsLabels)) {
				continue
			}
		}
		if best == nil || m.CreationTimestamp.Before(&best.CreationTimestamp) ||
			(m.CreationTimestamp.Equal(&best.CreationTimestamp) && m.Name < best.Name) {
			best = m
		}
	}
	return best
}
