{{/* Environment of the controller: notifier URLs from Secrets, then values.env. */}}
{{- define "flagger-py.env" -}}
{{- $secret := include "flagger-py.notifierSecret" . }}
{{- if .Values.slack.existingSecret }}
- name: SLACK_URL
  valueFrom:
    secretKeyRef: {name: {{ .Values.slack.existingSecret }}, key: url}
- name: SLACK_TOKEN
  valueFrom:
    secretKeyRef: {name: {{ .Values.slack.existingSecret }}, key: token, optional: true}
{{- else }}
{{- if .Values.slack.url }}
- name: SLACK_URL
  valueFrom:
    secretKeyRef: {name: {{ $secret }}, key: slack-url}
{{- end }}
{{- if .Values.slack.token }}
- name: SLACK_TOKEN
  valueFrom:
    secretKeyRef: {name: {{ $secret }}, key: slack-token}
{{- end }}
{{- end }}
{{- if .Values.msteams.existingSecret }}
- name: MSTEAMS_URL
  valueFrom:
    secretKeyRef: {name: {{ .Values.msteams.existingSecret }}, key: url}
{{- else if .Values.msteams.url }}
- name: MSTEAMS_URL
  valueFrom:
    secretKeyRef: {name: {{ $secret }}, key: msteams-url}
{{- end }}
{{- if .Values.eventWebhookSecret }}
- name: EVENT_WEBHOOK_URL
  valueFrom:
    secretKeyRef: {name: {{ .Values.eventWebhookSecret }}, key: url}
{{- else if .Values.eventWebhook }}
- name: EVENT_WEBHOOK_URL
  valueFrom:
    secretKeyRef: {name: {{ $secret }}, key: event-webhook}
{{- end }}
{{- with .Values.env }}
{{ toYaml . }}
{{- end }}
{{- end }}
