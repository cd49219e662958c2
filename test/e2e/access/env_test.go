//go:build e2e

// Package access drives the access path end to end with real parts only: a
// kwok cluster, the weir manager (controllers, webhooks, access server),
// Caddy configured from the Ingresses Weir makes, zitadel/oidc's provider
// with two users, Debian's jupyter-notebook standing in for each
// Workspace's container, and headless Chromium.
package access

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/test/kwok"
	"github.com/weir-dev/weir/test/realparts"
)

const clusterName = "weir-e2e-access"

// env is one cluster with Weir, Caddy and the IdP, shared by the steps of a test.
type env struct {
	*kwok.Cluster
	caddy      *realparts.Caddy
	idp        *realparts.IdP
	manager    *kwok.Manager
	accessAddr string
	// upstreams maps a Workspace ("ns/name") to the Jupyter serving it.
	upstreams map[string]string
	loaded    []realparts.Route
}

func startEnv(t *testing.T) *env {
	for _, v := range []string{"K8S_BIN", "WEIR"} {
		if os.Getenv(v) == "" {
			t.Fatalf("%s is not set: run `make test-e2e`", v)
		}
	}
	e := &env{Cluster: kwok.Up(t, clusterName, kwok.Options{}), upstreams: map[string]string{}}
	e.ApplyCRDs(t, filepath.Join(e.Root, "config", "crd", "bases"),
		"crd/workspaces.workspace.jupyter.org", "crd/workspacemanagers.workspace.jupyter.org",
		"crd/workspaceshares.workspace.jupyter.org", "crd/policybundles.policies.weir.dev")
	e.Kubectl(t, "create", "namespace", "weir-system")
	e.StageStorage(t, 4)

	// Caddy first: its port is in the IdP client's redirect URI.
	e.caddy = realparts.StartCaddy(t)
	e.idp = realparts.StartIdP(t, realparts.IdPConfig{
		Host: "localhost", // a different site from the proxy, as a real IdP is
		Users: []realparts.IdPUser{
			{ID: "alice", Username: "alice", Password: "alice-pw", Email: "alice@example.com", Groups: []string{"data-science"}},
			{ID: "bob", Username: "bob", Password: "bob-pw", Email: "bob@example.com", Groups: []string{"analysts"}},
		},
		Clients: []realparts.IdPClient{{ID: "weir", Secret: "e2e-client-secret",
			RedirectURIs:           []string{e.caddy.URL + "/_weir/callback"},
			PostLogoutRedirectURIs: []string{e.caddy.URL + "/"}}},
	})
	e.Kubectl(t, "-n", "weir-system", "create", "secret", "generic", "weir-oidc", "--from-literal=client-secret=e2e-client-secret")

	e.manager = kwok.StartManager(t, e.Cluster, kwok.ManagerOptions{Args: []string{
		"--image=ghcr.io/weir-dev/weir:e2e", "--access-secret=weir-system/weir-access"}})
	e.accessAddr = e.manager.AccessAddr
	return e
}

// syncRoutes configures Caddy from the Ingresses Weir made, as an ingress
// controller would: each path to its backend (the Jupyter standing in for
// a Workspace's Service, or the access server for Weir's access route),
// behind forward-auth when the Ingress carries Weir's auth-url annotation.
func (e *env) syncRoutes(t *testing.T) error {
	list := &networkingv1.IngressList{}
	if err := e.Admin.List(context.Background(), list, client.HasLabels{wsv1.LabelManager}); err != nil {
		return err
	}
	var routes []realparts.Route
	for _, ing := range list.Items {
		auth := ing.Annotations[wsv1.AnnotationAuthURL]
		upstream := e.accessAddr // Weir's own route (login, callback, logout)
		if ws, ok := ing.Labels[wsv1.LabelWorkspace]; ok {
			if upstream, ok = e.upstreams[ing.Namespace+"/"+ws]; !ok {
				continue // no Jupyter stands in for it
			}
		}
		for _, rule := range ing.Spec.Rules {
			if rule.HTTP == nil {
				continue
			}
			for _, p := range rule.HTTP.Paths {
				r := realparts.Route{PathPrefix: p.Path, Upstream: upstream}
				if auth != "" {
					if !strings.HasSuffix(auth, "/_weir/auth") {
						return fmt.Errorf("Ingress %s/%s: auth-url %q is not Weir's forward-auth endpoint", ing.Namespace, ing.Name, auth)
					}
					r.ForwardAuth, r.AuthURI = e.accessAddr, "/_weir/auth"
					r.CopyHeaders = []string{"X-Weir-User", "X-Weir-Groups"}
				}
				routes = append(routes, r)
			}
		}
	}
	sort.Slice(routes, func(i, j int) bool { return routes[i].PathPrefix < routes[j].PathPrefix })
	if !reflect.DeepEqual(routes, e.loaded) {
		e.caddy.Load(t, routes)
		e.loaded = routes
	}
	return nil
}
