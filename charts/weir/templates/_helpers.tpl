{{- define "weir.name" -}}
{{- .Chart.Name }}
{{- end }}

{{/* Release-scoped name; the release name alone when it already holds the chart name. */}}
{{- define "weir.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "weir.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels never change between upgrades: Deployment selectors are immutable. */}}
{{- define "weir.selectorLabels" -}}
app.kubernetes.io/name: {{ include "weir.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "weir.labels" -}}
helm.sh/chart: {{ include "weir.chart" . }}
{{ include "weir.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The operator's own account; "default" when the chart does not create one. */}}
{{- define "weir.serviceAccountName" -}}
{{- if .Values.operator.serviceAccount.create }}
{{- default (include "weir.fullname" .) .Values.operator.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.operator.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The account ingestion pods run as; passed to the operator by flag. */}}
{{- define "weir.ingestServiceAccountName" -}}
{{- required "ingest.serviceAccount.name is required" .Values.ingest.serviceAccount.name }}
{{- end }}

{{/* One image for the operator and the ingestion pods it starts. */}}
{{- define "weir.image" -}}
{{- printf "%s:%s" .Values.operator.image.repository (default .Chart.AppVersion .Values.operator.image.tag) }}
{{- end }}

{{- define "weir.marmotURL" -}}
{{- default (printf "http://marmot.%s.svc.cluster.local:8080" .Release.Namespace) .Values.operator.marmot.url }}
{{- end }}

{{/*
Resources that only exist cluster-wide, so that a Role cannot grant them.
Matched on the resource name without its subresource ("policybundles/status"
is cluster-scoped like "policybundles").
*/}}
{{- define "weir.clusterScopedResources" -}}
{{- list "policybundles" "namespaces" "validatingwebhookconfigurations" "mutatingwebhookconfigurations" "sourceplugins" "workspacetemplates" "workspacemanagers" "ingressclasses" "subjectaccessreviews" "tokenreviews" | toJson }}
{{- end }}

{{/*
Resources whose rules the chart writes itself instead of copying them from
files/role.yaml: the webhook configurations, which only the self-signed
certificate rotator touches (to inject its CA), and then only the two this
release owns. With cert-manager, or without webhooks, they are not granted.
*/}}
{{- define "weir.chartManagedResources" -}}
{{- list "validatingwebhookconfigurations" "mutatingwebhookconfigurations" | toJson }}
{{- end }}

{{/*
The manager's rules from files/role.yaml (generated from the +kubebuilder:rbac
markers, the only source of them), split by scope as a YAML map:
  namespaced: rules a Role can grant (a ClusterRole without watchNamespace)
  cluster:    rules on cluster-scoped resources, always in a ClusterRole
A rule that mixes both kinds of resources is split in two with the same verbs.
*/}}
{{- define "weir.managerRules" -}}
{{- $role := .Files.Get "files/role.yaml" | fromYaml }}
{{- if or (not $role) (hasKey $role "Error") (not $role.rules) }}
{{- fail "files/role.yaml is missing or has no rules; run make manifests" }}
{{- end }}
{{- $clusterScoped := include "weir.clusterScopedResources" . | fromJsonArray }}
{{- $chartManaged := include "weir.chartManagedResources" . | fromJsonArray }}
{{- $namespaced := list }}
{{- $cluster := list }}
{{- range $rule := $role.rules }}
{{- if $rule.nonResourceURLs }}
{{- $cluster = append $cluster $rule }}
{{- else }}
{{- $c := list }}
{{- $n := list }}
{{- range $res := $rule.resources }}
{{- $base := first (splitList "/" $res) }}
{{- if has $base $chartManaged }}
{{- else if has $base $clusterScoped }}
{{- $c = append $c $res }}
{{- else }}
{{- $n = append $n $res }}
{{- end }}
{{- end }}
{{- if $c }}
{{- $cluster = append $cluster (merge (dict "resources" $c) (omit $rule "resources")) }}
{{- end }}
{{- if $n }}
{{- $namespaced = append $namespaced (merge (dict "resources" $n) (omit $rule "resources")) }}
{{- end }}
{{- end }}
{{- end }}
{{- toYaml (dict "namespaced" $namespaced "cluster" $cluster) }}
{{- end }}

{{/*
The namespaces the manager watches, as a JSON list: operator.watchNamespaces,
with the older single operator.watchNamespace first. Empty: all namespaces.
*/}}
{{- define "weir.watchNamespaces" -}}
{{- $ns := .Values.operator.watchNamespaces | default list }}
{{- with .Values.operator.watchNamespace }}
{{- $ns = prepend $ns . }}
{{- end }}
{{- $ns | uniq | toJson }}
{{- end }}

{{/* Webhooks are served only by a running operator. */}}
{{- define "weir.webhooksEnabled" -}}
{{- if and .Values.operator.enabled .Values.webhooks.enabled }}true{{ end }}
{{- end }}

{{/* Self-signed certificates: Weir's own rotator, not cert-manager. */}}
{{- define "weir.selfSignedCerts" -}}
{{- if and (include "weir.webhooksEnabled" .) (not .Values.certManager.enabled) }}true{{ end }}
{{- end }}

{{/* A Service name is a DNS label: 63 characters at most. */}}
{{- define "weir.webhookServiceName" -}}
{{- printf "%s-webhook" (include "weir.fullname" . | trunc 55 | trimSuffix "-") }}
{{- end }}

{{/* Holds tls.crt and tls.key: filled by Weir's rotator or by cert-manager. */}}
{{- define "weir.webhookSecretName" -}}
{{- printf "%s-webhook-cert" (include "weir.fullname" .) }}
{{- end }}

{{/* The cert-manager Certificate; inject-ca-from names it. */}}
{{- define "weir.webhookCertificateName" -}}
{{- printf "%s-webhook" (include "weir.fullname" .) }}
{{- end }}

{{- define "weir.validatingWebhookName" -}}
{{- printf "%s-validating" (include "weir.fullname" .) }}
{{- end }}

{{- define "weir.mutatingWebhookName" -}}
{{- printf "%s-mutating" (include "weir.fullname" .) }}
{{- end }}

{{/* Where the manager reads tls.crt and tls.key (--webhook-cert-dir). */}}
{{- define "weir.webhookCertDir" -}}
/tmp/k8s-webhook-server/serving-certs
{{- end }}

{{/* The service DNS name the serving certificate must hold. */}}
{{- define "weir.webhookDNSName" -}}
{{- printf "%s.%s.svc" (include "weir.webhookServiceName" .) .Release.Namespace }}
{{- end }}

{{/*
Fields every webhook shares. Call with (dict "root" $ "path" "/validate/runs").
The namespaceSelector keeps kube-system and the release namespace out of reach,
so a broken webhook cannot lock either out; it has no effect on cluster-scoped
kinds (PolicyBundle). The matchCondition changes-what-policies-read lets
through, unjudged, an UPDATE that changes neither spec, labels, annotations nor
(unless the object is being deleted) ownerReferences: the controller adding or
removing its finalizer has nothing to judge or default, and a bundle that
errors must not keep a Run, and its namespace, Terminating (files/webhooks.yaml,
generated from webhooks/table.go).
*/}}
{{- define "weir.webhookCommon" -}}
{{- $ := .root -}}
clientConfig:
  service:
    name: {{ include "weir.webhookServiceName" $ }}
    namespace: {{ $.Release.Namespace }}
    path: {{ .path }}
    port: 443
admissionReviewVersions: ["v1"]
sideEffects: None
failurePolicy: {{ $.Values.webhooks.failurePolicy }}
timeoutSeconds: {{ $.Values.webhooks.timeoutSeconds }}
matchPolicy: Equivalent
matchConditions:
  {{- toYaml ($.Files.Get "files/webhooks.yaml" | fromYaml).matchConditions | nindent 2 }}
namespaceSelector:
  matchExpressions:
    - key: kubernetes.io/metadata.name
      operator: NotIn
      values: {{ uniq (list "kube-system" $.Release.Namespace) | toJson }}
    {{- with include "weir.watchNamespaces" $ | fromJsonArray }}
    {{- /* A namespaced install judges Runs only where it runs them. */}}
    - key: kubernetes.io/metadata.name
      operator: In
      values: {{ toJson . }}
    {{- end }}
{{- end }}

{{/* cert-manager's cainjector fills caBundle from the Certificate's CA. */}}
{{- define "weir.webhookAnnotations" -}}
{{- if .Values.certManager.enabled -}}
cert-manager.io/inject-ca-from: {{ printf "%s/%s" .Release.Namespace (include "weir.webhookCertificateName" .) }}
{{- end }}
{{- end }}

{{/* The access server's Service (WorkspaceManagers' spec.routing.accessService). */}}
{{- define "weir.accessServiceName" -}}
{{- printf "%s-access" (include "weir.fullname" . | trunc 56 | trimSuffix "-") }}
{{- end }}

{{/* The access server's session and probe keys; Weir creates the Secret. */}}
{{- define "weir.accessSecretName" -}}
{{- printf "%s-access-keys" (include "weir.fullname" .) }}
{{- end }}

{{/* The access server runs only in a running operator. */}}
{{- define "weir.accessEnabled" -}}
{{- if and .Values.operator.enabled .Values.access.enabled }}true{{ end }}
{{- end }}

{{/* Where the manager keeps fetched SourcePlugin modules and compiled code. */}}
{{- define "weir.pluginCacheDir" -}}
/var/cache/weir/plugins
{{- end }}

{{/* The ConfigMap holding the cluster-wide plugin CA bundle, "" for none. */}}
{{- define "weir.pluginCAConfigMap" -}}
{{- with .Values.plugins.caBundle -}}
{{- if .pem -}}{{ include "weir.fullname" $ }}-plugin-ca{{- else if .configMap -}}{{ .configMap }}{{- end -}}
{{- end -}}
{{- end -}}
