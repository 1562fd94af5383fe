package dev.nixpool.local.apiserver;

/**
 * What a request asks to do, as an authoriser sees it (Kubernetes' RequestInfo and authorizer.Attributes): a verb on a
 * resource (group, resource, subresource, namespace, name), or a verb on a non-resource path such as /version.
 */
record RequestAttributes(UserInfo user, String verb, boolean resourceRequest, String group, String resource,
        String subresource, String namespace, String name, String path) {

    static RequestAttributes resource(UserInfo user, String verb, String group, String resource, String subresource,
            String namespace, String name) {
        return new RequestAttributes(user, verb, true, nz(group), nz(resource), nz(subresource), nz(namespace),
                nz(name), "");
    }

    static RequestAttributes nonResource(UserInfo user, String verb, String path) {
        return new RequestAttributes(user, verb, false, "", "", "", "", "", path);
    }

    /**
     * The attributes of an HTTP request to the API: GET is get, list or watch, POST create, PUT update, PATCH patch,
     * DELETE delete or deletecollection; a namespace's own path is in that namespace, as Kubernetes has it.
     */
    static RequestAttributes of(UserInfo user, String method, String bare, ResourcePath path) {
        String verb = switch (method) {
            case "GET", "HEAD" -> path == null
                    ? "get"
                    : path.isWatch() ? "watch" : path.name() == null ? "list" : "get";
            case "POST" -> path == null ? "post" : "create";
            case "PUT" -> path == null ? "put" : "update";
            case "PATCH" -> "patch";
            case "DELETE" -> path == null ? "delete" : path.name() == null ? "deletecollection" : "delete";
            default -> method.toLowerCase(java.util.Locale.ROOT);
        };
        if (path == null) {
            return nonResource(user, verb, bare);
        }
        String namespace = path.namespace();
        if (namespace == null && path.group().isEmpty() && path.plural().equals("namespaces")) {
            namespace = path.name();
        }
        return resource(user, verb, path.group(), path.plural(), path.subresource(), namespace, path.name());
    }

    /** The words Kubernetes uses in a denial: resource "pods/log" in API group "" in the namespace "ns". */
    String describe() {
        if (!resourceRequest) {
            return "path \"" + path + "\"";
        }
        String what = "resource \"" + resource + (subresource.isEmpty() ? "" : "/" + subresource)
                + "\" in API group \"" + group + "\"";
        return namespace.isEmpty() ? what + " at the cluster scope" : what + " in the namespace \"" + namespace + "\"";
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
