"""The suite's combined OpenAPI document, and a Python client generated from it (issue 22, item 2).

    uv run --frozen python tools/openapi_client.py openapi.json              # the combined document
    uv run --frozen python tools/openapi_client.py openapi.json --client out # and the client package in out/

The document joins every service's `/openapi.json` with each path under the service's mount, as in the
embedded suite (`src/seteli/embedded.py`: `/registry/v1/...`, `/events/v1/...`). Operation ids get the
service's name in front; a schema name two services use for different schemas gets the service's name in
front in the second one (and every reference to it follows). The client is written by
`openapi-python-client generate` (a dev dependency) as the package `seteli_client`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

SERVICES = ("registry", "applications", "vouchers", "events", "settlement", "notifications")
CLIENT_CONFIG = {"project_name_override": "seteli-client", "package_name_override": "seteli_client",
                 "post_hooks": []}


def service_documents(data_dir: Path) -> dict[str, dict[str, Any]]:
    """Each service's OpenAPI document, from the embedded suite's apps (nothing is started)."""
    from seteli.embedded import build_suite

    suite = build_suite(data_dir, with_portal=False)
    return {name: suite.apps[name].openapi() for name in SERVICES}


def _with_renamed_schemas(document: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    text = json.dumps(document)
    for old, new in renames.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    renamed = json.loads(text)
    schemas = renamed.get("components", {}).get("schemas", {})
    for old, new in renames.items():
        if old in schemas and schemas[old].get("title") == old:  # the generator names its classes by title
            schemas[old]["title"] = new
    renamed.setdefault("components", {})["schemas"] = {renames.get(name, name): schema
                                                        for name, schema in schemas.items()}
    return dict(renamed)


def combine(documents: dict[str, dict[str, Any]], title: str = "Seteli") -> dict[str, Any]:
    """One document for the suite: paths under each service's mount, schemas merged (see the module)."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    security: dict[str, Any] = {}
    version = "3.1.0"
    for service, original in documents.items():
        version = original.get("openapi", version)
        document = original
        renames: dict[str, str] = {}
        while True:  # a rename changes the schemas that refer to it: until nothing new clashes
            own = document.get("components", {}).get("schemas", {})
            clashes = {name: f"{service.capitalize()}{name}" for name, schema in own.items()
                       if name in schemas and schemas[name] != schema and name not in renames.values()}
            if not clashes:
                break
            renames.update(clashes)
            document = _with_renamed_schemas(document, clashes)
        schemas.update(document.get("components", {}).get("schemas", {}))
        security.update(document.get("components", {}).get("securitySchemes", {}))
        for path, item in document.get("paths", {}).items():
            for operation in item.values():
                if isinstance(operation, dict) and "operationId" in operation:
                    operation["operationId"] = f"{service}_{operation['operationId']}"
                    operation["tags"] = [service]
            paths[f"/{service}{path}"] = item
    components: dict[str, Any] = {"schemas": dict(sorted(schemas.items()))}
    if security:
        components["securitySchemes"] = security
    return {"openapi": version, "info": {"title": title, "version": "1"}, "paths": paths, "components": components}


# What the generator leaves out and we accept: it has no type for a PDF or an XML file (the payment file),
# so the operation is generated without a parsed response (the caller reads the bytes from the raw response).
ACCEPTED_WARNINGS = ("Unsupported content_type application/pdf", "Unsupported content_type application/xml")


def generate_client(document_path: Path, output: Path) -> list[str]:
    """Run openapi-python-client on the document, writing the package into `output`; returns its warnings
    other than the accepted ones (an operation or schema it could not generate)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as config:
        json.dump(CLIENT_CONFIG, config)
    try:
        result = subprocess.run([sys.executable, "-m", "openapi_python_client", "generate", "--path",
                                 str(document_path), "--output-path", str(output), "--overwrite", "--meta", "none",
                                 "--config", config.name],
                                check=True, capture_output=True, text=True, timeout=600)
    finally:
        Path(config.name).unlink(missing_ok=True)
    said = (result.stdout + result.stderr).split("\n")
    problems = [line for number, line in enumerate(said) if line.startswith(("WARNING", "Unable to parse"))
                and not any(accepted in " ".join(said[number:number + 3]) for accepted in ACCEPTED_WARNINGS)]
    return problems


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("document", type=Path, help="where to write the combined OpenAPI document")
    parser.add_argument("--client", type=Path, help="generate the client package into this directory")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="seteli-openapi-") as tmp:
        document = combine(service_documents(Path(tmp)))
    args.document.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    print(f"{args.document}: {len(document['paths'])} paths, {len(document['components']['schemas'])} schemas")
    if args.client:
        problems = generate_client(args.document, args.client)
        print(f"{args.client}: the package seteli_client")
        for problem in problems:
            print(f"  not generated: {problem}")
        if problems:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
