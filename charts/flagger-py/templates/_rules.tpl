{{/*
The controller's RBAC rules: what `flagger-py run` needs, plus the objects of the routers listed in
rbac.routers. deploy/rbac.yaml holds the same rules for every router (a test compares them).
*/}}
{{- define "flagger-py.rules" -}}
- apiGroups: [flagger.app]
  resources: [canaries, metrictemplates, alertproviders]
  verbs: [get, list, watch, patch, update]
- apiGroups: [flagger.app]
  resources: [canaries/status]
  verbs: [get, patch, update]
- apiGroups: [apps]
  resources: [deployments, daemonsets]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [""]
  resources: [services, configmaps, secrets]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [keda.sh]
  resources: [scaledobjects]
  verbs: [get, list, watch, create, update, patch, delete]
{{- $routers := .Values.rbac.routers }}
{{- if has "istio" $routers }}
- apiGroups: [networking.istio.io]
  resources: [virtualservices, destinationrules]
  verbs: [get, list, watch, create, update, patch, delete]
{{- end }}
{{- if has "gatewayapi" $routers }}
- apiGroups: [gateway.networking.k8s.io]
  resources: [httproutes]
  verbs: [get, list, watch, create, update, patch, delete]
{{- end }}
{{- if has "smi" $routers }}
- apiGroups: [split.smi-spec.io]
  resources: [trafficsplits]
  verbs: [get, list, watch, create, update, patch, delete]
{{- end }}
{{- if or (has "nginx" $routers) (has "skipper" $routers) }}
- apiGroups: [networking.k8s.io]
  resources: [ingresses]
  verbs: [get, list, watch, create, update, patch, delete]
{{- end }}
{{- if has "contour" $routers }}
- apiGroups: [projectcontour.io]
  resources: [httpproxies]
  verbs: [get, list, watch, create, update, patch, delete]
{{- end }}
{{- if has "traefik" $routers }}
- apiGroups: [traefik.io]
  resources: [traefikservices]
  verbs: [get, list, watch, create, update, patch, delete]
{{- end }}
{{- if has "gloo" $routers }}
- apiGroups: [gateway.solo.io]
  resources: [routetables]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [gloo.solo.io]
  resources: [upstreams]
  verbs: [get, list, watch, create, update, patch, delete]
{{- end }}
{{- if has "apisix" $routers }}
- apiGroups: [apisix.apache.org]
  resources: [apisixroutes]
  verbs: [get, list, watch, create, update, patch, delete]
{{- end }}
{{- if has "kuma" $routers }}
- apiGroups: [kuma.io]
  resources: [trafficroutes]
  verbs: [get, list, watch, create, update, patch, delete]
{{- end }}
{{- if has "appmesh" $routers }}
- apiGroups: [appmesh.k8s.aws]
  resources: [virtualnodes, virtualrouters, virtualservices]
  verbs: [get, list, watch, create, update, patch, delete]
{{- end }}
{{- if has "knative" $routers }}
- apiGroups: [serving.knative.dev]
  resources: [services, revisions]
  verbs: [get, list, watch, patch]
{{- end }}
{{- if .Values.rbac.externalMetrics }}
- apiGroups: [external.metrics.k8s.io]
  resources: ["*"]
  verbs: [get, list]
{{- end }}
{{- if .Values.rbac.keptn }}
- apiGroups: [metrics.keptn.sh]
  resources: [keptnmetrics]
  verbs: [get, list, watch]
- apiGroups: [metrics.keptn.sh]
  resources: [analyses]
  verbs: [get, list, watch, create, patch, delete]
{{- end }}
{{- with .Values.rbac.extraRules }}
{{ toYaml . }}
{{- end }}
{{- end }}
