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
