{{/* Names and labels shared by every object of the chart. */}}

{{- define "flagger-py.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "flagger-py.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "flagger-py.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "flagger-py.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "flagger-py.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flagger-py.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "flagger-py.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "flagger-py.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "flagger-py.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "flagger-py.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "flagger-py.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The Secret holding notifier URLs given as values (none when every one comes from an existing Secret). */}}
{{- define "flagger-py.notifierSecret" -}}
{{- printf "%s-notifiers" (include "flagger-py.fullname" .) }}
{{- end }}

{{- define "flagger-py.hasNotifierSecret" -}}
{{- if or .Values.slack.url .Values.slack.token .Values.msteams.url .Values.eventWebhook }}true{{ end }}
{{- end }}

{{/* The namespace of the leader Lease: as Flagger puts it, the watched namespace when there is one. */}}
{{- define "flagger-py.leaseNamespace" -}}
{{- .Values.namespace | default .Release.Namespace }}
{{- end }}
