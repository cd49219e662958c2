package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// URLScheme says how a Workspace's unique URL is formed from the base URL.
// +kubebuilder:validation:Enum=Path;Subdomain
type URLScheme string

const (
	// URLSchemePath: <baseURL>/workspaces/<namespace>/<name>/ (one host,
	// one certificate; the IDE is told its base path).
	URLSchemePath URLScheme = "Path"
	// URLSchemeSubdomain: <scheme>://<name>--<namespace>.<baseURL host>/
	// (needs a wildcard DNS record and certificate; the session cookie is
	// set for the base host's domain).
	URLSchemeSubdomain URLScheme = "Subdomain"
)

// WorkspaceManagerSpec is how the Workspaces of some namespaces are reached:
// their routes, who logs users in, and where the access server is.
// +kubebuilder:validation:XValidation:rule="has(self.routing.gatewayRef) != has(self.routing.ingress)",message="spec.routing needs exactly one of gatewayRef (Gateway API HTTPRoutes) or ingress (Ingresses)",fieldPath=".routing"
type WorkspaceManagerSpec struct {
	// baseURL says where Workspaces are served from: scheme, host, optional port and
	// path prefix, e.g. https://ide.example.com or
	// https://apps.example.com/ide. The login, callback and logout pages
	// live under <baseURL>/_weir/.
	// +kubebuilder:validation:MinLength=8
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && (url(self).getScheme() == 'https' || url(self).getScheme() == 'http') && url(self).getQuery().size() == 0 && !self.contains('#')",message="must be an absolute http(s) URL without query or fragment, e.g. https://ide.example.com"
	// +required
	BaseURL string `json:"baseURL,omitempty"`

	// urlScheme is the path (<baseURL>/workspaces/<namespace>/<name>/) or Subdomain
	// (<name>--<namespace>.<host>). Defaults to Path.
	// +kubebuilder:default=Path
	// +optional
	URLScheme URLScheme `json:"urlScheme,omitempty"`

	// namespaceSelector selects the namespaces whose Workspaces this manager serves. Unset: every
	// namespace. Where two managers select a namespace, the oldest one
	// (then the first by name) serves it and the other reports it.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`

	// routing is the routes Weir makes for each Workspace and for the access server.
	// +required
	Routing WorkspaceRouting `json:"routing,omitzero"`

	// authentication sets how users log in.
	// +required
	Authentication WorkspaceAuthentication `json:"authentication,omitzero"`
}

// WorkspaceRouting chooses Gateway API HTTPRoutes or Ingresses.
type WorkspaceRouting struct {
	// gatewayRef is the Gateway that serves the routes: one HTTPRoute per Workspace,
	// attached to it.
	// +optional
	GatewayRef *GatewayReference `json:"gatewayRef,omitempty"`

	// ingress sets Ingresses of this class, one per Workspace.
	// +optional
	Ingress *IngressRouting `json:"ingress,omitempty"`

	// accessService is the Service in front of Weir's access server (login, callback,
	// logout and the forward-auth endpoint /_weir/auth that the proxy
	// calls on every request). The Helm chart makes it.
	// +required
	AccessService ServiceReference `json:"accessService,omitzero"`
}

// GatewayReference names a Gateway API Gateway (and optionally a listener).
type GatewayReference struct {
	// name is the Gateway's name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name,omitempty"`
	// namespace is the Gateway's namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +required
	Namespace string `json:"namespace,omitempty"`
	// sectionName is the listener of the Gateway; unset: every listener that admits the route.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	SectionName string `json:"sectionName,omitempty"`
}

// IngressRouting is what Weir's Ingresses carry.
type IngressRouting struct {
	// className is IngressClass of the Ingresses.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	ClassName string `json:"className,omitempty"`
	// annotations copied onto every Ingress, e.g. the ingress controller's
	// forward-auth settings pointing at the access Service's /_weir/auth.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
	// tlsSecretName is the secret with the TLS certificate for the base URL's host, in each
	// Workspace's namespace. Unset: no tls section.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	TLSSecretName string `json:"tlsSecretName,omitempty"`
}

// ServiceReference names a port of a Service.
type ServiceReference struct {
	// name is the Service's name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +required
	Name string `json:"name,omitempty"`
	// namespace is the Service's namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +required
	Namespace string `json:"namespace,omitempty"`
	// port is the Service's port number.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +required
	Port int32 `json:"port,omitempty"`
}

// WorkspaceAuthentication is the login of a manager's users.
type WorkspaceAuthentication struct {
	// oidc is OpenID Connect: the authorization-code flow with PKCE, served by Weir.
	// +required
	OIDC OIDCAuthentication `json:"oidc,omitzero"`

	// session is the session cookie Weir sets after login. Unset: Weir's
	// defaults.
	// +optional
	Session SessionSettings `json:"session,omitzero"`
}

// OIDCAuthentication is the identity provider and the client Weir logs in as.
type OIDCAuthentication struct {
	// issuerURL is the issuer URL; Weir reads <issuerURL>/.well-known/openid-configuration.
	// +kubebuilder:validation:MinLength=8
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && (url(self).getScheme() == 'https' || url(self).getScheme() == 'http')",message="must be an absolute http(s) URL, e.g. https://dex.example.com"
	// +required
	IssuerURL string `json:"issuerURL,omitempty"`

	// clientID is OAuth2 client ID registered at the provider, with the redirect URI
	// <baseURL>/_weir/callback.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +required
	ClientID string `json:"clientID,omitempty"`

	// clientSecretRef is the client secret, by reference: a key of a Secret in Weir's own
	// namespace (Weir reads no other Secrets). Unset: a public client
	// (PKCE alone).
	// +optional
	ClientSecretRef *SecretKeySelector `json:"clientSecretRef,omitempty"`

	// scopes asked for besides openid. Defaults to email, profile and
	// groups.
	// +kubebuilder:validation:MaxItems=32
	// +listType=set
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +optional
	Scopes []string `json:"scopes,omitempty"`

	// usernameClaim is ID-token claim that is the user's name, as Kubernetes RBAC sees it.
	// Defaults to email.
	// +kubebuilder:default=email
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +optional
	UsernameClaim string `json:"usernameClaim,omitempty"`

	// usernamePrefix is the prefix put before the username, as kube-apiserver's
	// --oidc-username-prefix does (so RBAC subjects match). Unset: none.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +optional
	UsernamePrefix string `json:"usernamePrefix,omitempty"`

	// groupsClaim is ID-token claim that lists the user's groups. Defaults to groups.
	// +kubebuilder:default=groups
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +optional
	GroupsClaim string `json:"groupsClaim,omitempty"`

	// groupsPrefix is the prefix put before each group, as kube-apiserver's
	// --oidc-groups-prefix does. Unset: none.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +optional
	GroupsPrefix string `json:"groupsPrefix,omitempty"`
}

// SecretKeySelector is one key of a Secret in Weir's namespace.
type SecretKeySelector struct {
	// name is the Secret's name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name,omitempty"`
	// key is the key in the Secret's data.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Key string `json:"key,omitempty"`
}

// SessionSettings shape the session cookie. When given it sets something:
// leave session out for the defaults.
// +kubebuilder:validation:MinProperties=1
type SessionSettings struct {
	// cookieName is the name of the cookie. Defaults to weir_session.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_-]+$`
	// +optional
	CookieName string `json:"cookieName,omitempty"`
	// cookieDomain is the domain of the cookie; set it to the base host's parent domain with
	// the Subdomain scheme. Unset: the base URL's host only.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	CookieDomain string `json:"cookieDomain,omitempty"`
	// maxAgeMinutes sets how long a login lasts, in minutes, from 5 to 10080 (7 days).
	// Defaults to 720 (12 hours).
	// +kubebuilder:validation:Minimum=5
	// +kubebuilder:validation:Maximum=10080
	// +optional
	MaxAgeMinutes int32 `json:"maxAgeMinutes,omitempty"`
}

// WorkspaceManagerStatus is what the manager serves and whether it works.
// Every status write sets observedGeneration, so an empty status is never
// written.
// +kubebuilder:validation:MinProperties=1
type WorkspaceManagerStatus struct {
	// conditions are the conditions, each with observedGeneration: RoutingReady (the access
	// route exists and the Gateway or IngressClass is there), IdPReachable
	// (the issuer's discovery document was read and the client secret
	// found), Ready (both).
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=32
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the generation of the spec this status describes.
	// +kubebuilder:validation:Minimum=1
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// baseURL is the base URL in force.
	// +kubebuilder:validation:MinLength=8
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	BaseURL string `json:"baseURL,omitempty"`
}

// WorkspaceManager routes, authenticates and authorizes the Workspaces of
// some namespaces.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=wsm,categories=jupyter
// +kubebuilder:printcolumn:name="Base URL",type=string,JSONPath=`.spec.baseURL`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Issuer",type=string,JSONPath=`.spec.authentication.oidc.issuerURL`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type WorkspaceManager struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object's metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the WorkspaceManager.
	// +required
	Spec WorkspaceManagerSpec `json:"spec,omitzero"`
	// status is the observed state of the WorkspaceManager.
	// +optional
	Status WorkspaceManagerStatus `json:"status,omitzero"`
}

// WorkspaceManagerList is a list of WorkspaceManagers.
// +kubebuilder:object:root=true
type WorkspaceManagerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkspaceManager `json:"items"`
}

func init() {
	register(&WorkspaceManager{}, &WorkspaceManagerList{})
}
