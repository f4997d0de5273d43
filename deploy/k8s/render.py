"""A small kustomize for the features deploy/k8s uses, so tests and CI need no kustomize binary.

Supported: `resources` (files and directories with a kustomization.yaml), `namespace`, `images`
(newName/newTag) and `patches` (strategic-merge patches from `path`, with an optional `target` of
kind, name and labelSelector `k=v,...`). Anything else in a kustomization is an error, so the
manifests cannot silently outgrow this renderer. tests/deploy compares its output with
`kubectl kustomize` wherever kubectl is installed.

    uv run --frozen python deploy/k8s/render.py deploy/k8s/overlays/production
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import yaml

Manifest = dict[str, Any]
SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}
# Lists that a strategic-merge patch merges item by item (by `name`) instead of replacing.
MERGE_BY_NAME = {"containers", "initContainers", "env", "volumes"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
                  "PriorityClass"}


def load_documents(path: Path) -> list[Manifest]:
    with path.open() as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc]


def render(directory: Path | str) -> list[Manifest]:
    directory = Path(directory)
    kustomization = load_documents(directory / "kustomization.yaml")[0]
    unknown = set(kustomization) - SUPPORTED
    if unknown:
        raise ValueError(f"{directory}: unsupported kustomization fields {sorted(unknown)}")
    manifests: list[Manifest] = []
    for entry in kustomization.get("resources", []):
        target = directory / entry
        manifests += render(target) if target.is_dir() else load_documents(target)
    manifests = [copy.deepcopy(m) for m in manifests]
    for patch in kustomization.get("patches", []):
        apply_patch(manifests, directory, patch)
    for image in kustomization.get("images", []):
        set_image(manifests, image)
    if "namespace" in kustomization:
        for manifest in manifests:
            if manifest["kind"] not in CLUSTER_SCOPED:
                manifest["metadata"]["namespace"] = kustomization["namespace"]
    return manifests


def matches(manifest: Manifest, target: dict[str, Any]) -> bool:
    if "kind" in target and manifest["kind"] != target["kind"]:
        return False
    if "name" in target and manifest["metadata"]["name"] != target["name"]:
        return False
    if "labelSelector" in target:
        labels = manifest["metadata"].get("labels") or {}
        for term in str(target["labelSelector"]).split(","):
            key, _, value = term.partition("=")
            if labels.get(key.strip()) != value.strip():
                return False
    return True


def apply_patch(manifests: list[Manifest], directory: Path, entry: dict[str, Any]) -> None:
    if set(entry) - {"path", "target"}:
        raise ValueError(f"{directory}: only `path` and `target` patches are supported: {entry}")
    patch = load_documents(directory / entry["path"])[0]
    target = entry.get("target") or {"kind": patch["kind"], "name": patch["metadata"]["name"]}
    hits = [m for m in manifests if matches(m, target)]
    if not hits:
        raise ValueError(f"{directory}: patch {entry['path']} matches nothing")
    for manifest in hits:
        body = {k: v for k, v in patch.items() if k not in ("apiVersion", "kind", "metadata")}
        meta = {k: v for k, v in (patch.get("metadata") or {}).items() if k not in ("name", "namespace")}
        merge(manifest, {**body, **({"metadata": meta} if meta else {})})


def merge(base: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            base.pop(key, None)
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        elif key in MERGE_BY_NAME and isinstance(value, list) and isinstance(base.get(key), list):
            by_name = {item.get("name"): item for item in base[key]}
            for item in value:
                if item.get("name") in by_name:
                    merge(by_name[item["name"]], item)
                else:
                    base[key].append(copy.deepcopy(item))
        else:
            base[key] = copy.deepcopy(value)


def pod_specs(manifest: Manifest) -> list[dict[str, Any]]:
    spec = manifest.get("spec") or {}
    found = []
    if manifest["kind"] == "Pod":
        found.append(spec)
    template = spec.get("template") or (spec.get("jobTemplate") or {}).get("spec", {}).get("template")
    if template and "spec" in template:
        found.append(template["spec"])
    return found


def set_image(manifests: list[Manifest], image: dict[str, Any]) -> None:
    for manifest in manifests:
        for spec in pod_specs(manifest):
            for container in spec.get("containers", []) + spec.get("initContainers", []):
                name, tag = split_image(container["image"])
                if name != image["name"]:
                    continue
                new_name = image.get("newName", name)
                new_tag = image.get("newTag", tag)
                container["image"] = f"{new_name}:{new_tag}" if new_tag else new_name


def split_image(reference: str) -> tuple[str, str]:
    name, _, tag = reference.rpartition(":")
    if not name or "/" in tag:  # no tag, or the colon was a registry port
        return reference, ""
    return name, tag


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    sys.stdout.write(yaml.safe_dump_all(render(argv[0]), sort_keys=False, width=120))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
