{{/* The objects' name: nixpool-operator, as in the kustomize base, whatever the release is called. */}}
{{- define "nixpool.fullname" -}}
{{- default "nixpool-operator" .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* On every object: the kustomize base's part-of label, and Helm's own. */}}
{{- define "nixpool.labels" -}}
app.kubernetes.io/part-of: nixpool
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The operator pods: builder NetworkPolicies select them by these (fixed) labels. */}}
{{- define "nixpool.selectorLabels" -}}
app.kubernetes.io/name: nixpool-operator
{{- end -}}

{{- define "nixpool.image" -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}

{{/*
The operator's permissions in the namespaces it serves; deploy/cluster-role.yaml explains each verb and
docs/install.md lists which code uses it. A test keeps the two installs and the table equal.
*/}}
{{- define "nixpool.namespacedRules" -}}
- apiGroups: ["nixpool.dev"]
  resources: ["nixbuilds"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["nixpool.dev"]
  resources: ["buildmachines"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["nixpool.dev"]
  resources: ["nixbuilds/status", "buildmachines/status"]
  verbs: ["patch", "update"]
- apiGroups: ["nixpool.dev"]
  resources: ["nixbuilds/finalizers", "buildmachines/finalizers"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "create", "delete"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  verbs: ["get", "list", "create", "delete"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- end -}}

{{/* Cluster-scoped permissions: granted by a ClusterRoleBinding whatever watchNamespaces says. */}}
{{- define "nixpool.clusterRules" -}}
- apiGroups: ["apiextensions.k8s.io"]
  resources: ["customresourcedefinitions"]
  verbs: ["get"]
- apiGroups: ["authentication.k8s.io"]
  resources: ["tokenreviews"]
  verbs: ["create"]
- apiGroups: ["authorization.k8s.io"]
  resources: ["subjectaccessreviews"]
  verbs: ["create"]
{{- end -}}
