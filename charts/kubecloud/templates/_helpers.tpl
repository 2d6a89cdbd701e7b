{{- define "kubecloud.labels" -}}
app.kubernetes.io/name: kubecloud
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: operator or node. */}}
{{- define "kubecloud.selectorLabels" -}}
app.kubernetes.io/name: kubecloud
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* registry/repository@digest, else registry/repository:tag (tag defaults to the appVersion). */}}
{{- define "kubecloud.image" -}}
{{- $ref := printf "%s/%s" .root.Values.image.registry .image.repository -}}
{{- if .image.digest -}}
{{- printf "%s@%s" $ref .image.digest -}}
{{- else -}}
{{- printf "%s:%s" $ref (.image.tag | default .root.Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/* Names fixed by the code: the webhook Service is named in the operator's certificate (KubeCloudWebhook.ServiceName). */}}
{{- define "kubecloud.operatorName" -}}kubecloud-operator{{- end -}}
{{- define "kubecloud.nodeName" -}}kubecloud-node{{- end -}}
{{- define "kubecloud.webhookService" -}}kubecloud-operator-webhook{{- end -}}
{{- define "kubecloud.webhookSecret" -}}kubecloud-operator-webhook-tls{{- end -}}
{{- define "kubecloud.certDir" -}}/tmp/k8s-webhook-server/serving-certs{{- end -}}
