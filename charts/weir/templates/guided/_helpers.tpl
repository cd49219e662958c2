{{/* Guided mode: the chart also installs the proxy, Dex, teams and templates. */}}
{{- define "weir.guided" -}}
{{- if eq .Values.mode "guided" }}true{{ end }}
{{- end }}

{{/*
<baseURL> without its trailing slash. Guided mode needs it and a running
operator with its access server: the WorkspaceManager names that Service.
*/}}
{{- define "weir.guidedBaseURL" -}}
{{- if not .Values.operator.enabled }}
{{- fail "mode=guided needs operator.enabled=true: the WorkspaceManager, proxy and login need a running manager" }}
{{- end }}
{{- if not .Values.access.enabled }}
{{- fail "mode=guided needs access.enabled=true: Caddy asks Weir's access server (forward-auth) before every Workspace request" }}
{{- end }}
{{- required "mode=guided needs guided.baseURL, where users reach Workspaces (e.g. --set guided.baseURL=https://ide.example.com)" .Values.guided.baseURL | trimSuffix "/" }}
{{- end }}

{{/* The IngressClass Weir renders Caddy's config for (operator/proxyconfig). */}}
{{- define "weir.caddyIngressClass" -}}
weir-caddy
{{- end }}

{{/* Caddy's port in its pod: the one every site of Weir's Caddyfile listens on (plain HTTP, unprivileged). */}}
{{- define "weir.caddyPort" -}}8080{{- end }}

{{- define "weir.caddyName" -}}
{{- printf "%s-caddy" (include "weir.fullname" . | trunc 57 | trimSuffix "-") }}
{{- end }}

{{/* The ConfigMap Weir writes the Caddyfile into (--proxy-config). */}}
{{- define "weir.proxyConfigName" -}}
{{- printf "%s-proxy" (include "weir.fullname" . | trunc 57 | trimSuffix "-") }}
{{- end }}

{{- define "weir.dexName" -}}
{{- printf "%s-dex" (include "weir.fullname" . | trunc 59 | trimSuffix "-") }}
{{- end }}

{{/* Weir's client secret: generated once for Dex (read by Dex and the WorkspaceManager), or guided.oidc.clientSecret for your own provider. */}}
{{- define "weir.oidcSecretName" -}}
{{- printf "%s-oidc" (include "weir.fullname" .) }}
{{- end }}

{{/* The label the WorkspaceManager selects team namespaces by; its value is the release's full name. */}}
{{- define "weir.teamLabel" -}}
weir.dev/guided
{{- end }}

{{/* Dex's port inside its pod (web, where the issuer is served) and its telemetry port (health). */}}
{{- define "weir.dexPort" -}}5556{{- end }}
{{- define "weir.dexTelemetryPort" -}}5558{{- end }}

{{/*
A restricted container securityContext (Pod Security Standard "restricted").
*/}}
{{- define "weir.restrictedContainer" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
{{- end }}

{{/* The execution profiles of a team: its own, or one named "workspace". Call with the team. */}}
{{- define "weir.teamProfiles" -}}
{{- $profiles := .profiles | default (list (dict "name" "workspace")) }}
{{- toJson $profiles }}
{{- end }}

{{/*
Selector labels of the guided Deployments (call with dict "root" $ "name"
"caddy"): another app.kubernetes.io/name than the manager's, whose Services
select every pod named weir of the release.
*/}}
{{- define "weir.guidedSelectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{- define "weir.guidedLabels" -}}
helm.sh/chart: {{ include "weir.chart" .root }}
{{ include "weir.guidedSelectorLabels" . }}
app.kubernetes.io/part-of: weir
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}
