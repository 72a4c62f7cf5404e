"""Drives a sandbox claim with the Kubernetes Python client, as the reference Python SDK does.

usage: python3 python_claim_lifecycle.py KUBECONFIG NAMESPACE TEMPLATE CLAIM

Lists templates, creates a claim, watches it until Ready, reads its sandbox and deletes it.
Prints one line per step; exits non-zero on the first failure.
"""
import sys

import urllib3
from kubernetes import client, config, watch

GROUP, VERSION = "extensions.agents.x-k8s.io", "v1alpha1"


def ready(obj):
    conditions = (obj.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def main(kubeconfig, namespace, template, name):
    # The embedded cluster's certificate is self-signed and its kubeconfig says so.
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    config.load_kube_config(config_file=kubeconfig)
    api = client.CustomObjectsApi()

    templates = api.list_namespaced_custom_object(GROUP, VERSION, namespace, "sandboxtemplates")
    print("templates:", ",".join(sorted(t["metadata"]["name"] for t in templates["items"])))

    claim = {
        "apiVersion": GROUP + "/" + VERSION,
        "kind": "SandboxClaim",
        "metadata": {"name": name},
        "spec": {"sandboxTemplateRef": {"name": template}},
    }
    api.create_namespaced_custom_object(GROUP, VERSION, namespace, "sandboxclaims", claim)
    print("created:", name)

    w = watch.Watch()
    became_ready = False
    for event in w.stream(api.list_namespaced_custom_object, GROUP, VERSION, namespace, "sandboxclaims",
                          field_selector="metadata.name=" + name, timeout_seconds=60):
        if event["type"] in ("ADDED", "MODIFIED") and ready(event["object"]):
            became_ready = True
            w.stop()
    if not became_ready:
        print("never became ready", file=sys.stderr)
        return 1
    print("ready:", name)

    sandbox = api.get_namespaced_custom_object("agents.x-k8s.io", "v1alpha1", namespace, "sandboxes", name)
    print("sandbox:", sandbox["metadata"]["name"])

    api.delete_namespaced_custom_object(GROUP, VERSION, namespace, "sandboxclaims", name)
    try:
        api.get_namespaced_custom_object(GROUP, VERSION, namespace, "sandboxclaims", name)
        print("still there after delete", file=sys.stderr)
        return 1
    except client.exceptions.ApiException as e:
        if e.status != 404:
            raise
    print("deleted:", name)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
