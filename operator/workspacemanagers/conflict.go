package workspacemanagers

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/workspaces"
)

// maxListed namespaces are named in a conflict Event; the rest are counted.
const maxListed = 10

// reportConflicts tells, by a Warning Event, which namespaces this manager
// selects but another serves (managerFor decides, as for the
// routes), each time that set changes.
func (r *Reconciler) reportConflicts(ctx context.Context, m *wsv1.WorkspaceManager) {
	msg, err := r.conflicts(ctx, m)
	if err != nil {
		log(ctx).Error(err, "checking for WorkspaceManagers that select the same namespaces")
		return
	}
	r.mu.Lock()
	if r.conflictsSeen == nil {
		r.conflictsSeen = map[string]conflictSeen{}
	}
	was := r.conflictsSeen[m.Name]
	r.conflictsSeen[m.Name] = conflictSeen{uid: m.UID, msg: msg}
	r.mu.Unlock()
	if msg != "" && (msg != was.msg || was.uid != m.UID) {
		r.Recorder.Eventf(m, nil, corev1.EventTypeWarning, ReasonNamespaceConflict, "Reconcile", "%s", msg)
	}
}

// conflicts is "" when this manager serves every namespace it selects,
// else which ones another manager serves, by name.
func (r *Reconciler) conflicts(ctx context.Context, m *wsv1.WorkspaceManager) (string, error) {
	managers := &wsv1.WorkspaceManagerList{}
	if err := r.List(ctx, managers); err != nil {
		return "", err
	}
	if len(managers.Items) < 2 {
		return "", nil
	}
	nss := &metav1.PartialObjectMetadataList{}
	nss.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("NamespaceList"))
	if err := r.List(ctx, nss); err != nil {
		return "", err
	}
	var lost []string
	for i := range nss.Items {
		ns := &nss.Items[i]
		w := workspaces.ManagerFor(managers.Items, ns.Labels)
		if w == nil || w.Name == m.Name {
			continue
		}
		// Does m select it? Ask ManagerFor with m alone.
		if workspaces.ManagerFor([]wsv1.WorkspaceManager{*m}, ns.Labels) != nil {
			lost = append(lost, fmt.Sprintf("%s (served by %s)", ns.Name, w.Name))
		}
	}
	if len(lost) == 0 {
		return "", nil
	}
	slices.Sort(lost)
	n := len(lost)
	more := ""
	if n > maxListed {
		lost, more = lost[:maxListed], fmt.Sprintf(" and %d more", n-maxListed)
	}
	return fmt.Sprintf("%d selected namespaces are served by an older WorkspaceManager, not this one: %s%s; narrow spec.namespaceSelector so each namespace has one manager",
		n, strings.Join(lost, ", "), more), nil
}
