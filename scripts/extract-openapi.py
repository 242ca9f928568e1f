#!/usr/bin/env python3
"""Extract the GitHub REST operations the sandbox serves into one self-contained JSON schema file.

Usage: scripts/extract-openapi.py [PATH/TO/rest-api.github.com.json] > tests/fixtures/openapi/github-subset.json

Source: GitHub's REST API OpenAPI 3 description, published by GitHub in the repository
github/rest-api-description and republished as the npm package @octokit/openapi (version 23.0.2,
file generated/api.github.com.json, MIT licensed). Output layout:
  {"source": ..., "definitions": {component-name: schema},
   "operations": {operationId: {"method", "path", "request": schema|null, "responses": {code: schema}}}}
Every `$ref` points into `#/definitions/...`; OpenAPI 3.0 `nullable: true` is translated into
JSON Schema (draft 7) null types, `oneOf` into `anyOf` (GitHub's variants overlap), and a
`format: uri` string whose default is `""` also takes `""`, so a standard validator can check
bodies.
"""
import json
import sys

OPERATIONS = """
repos/get repos/get-branch git/get-ref git/list-matching-refs git/create-ref git/update-ref
git/delete-ref git/get-commit repos/get-content repos/create-or-update-file-contents repos/get-commit
repos/compare-commits pulls/list pulls/create pulls/get pulls/update pulls/merge
pulls/merge-async pulls/get-merge-async-result
actions/create-workflow-dispatch actions/list-workflow-runs actions/list-repo-workflows
actions/get-workflow-run actions/cancel-workflow-run repos/create-commit-status
repos/list-commit-statuses-for-ref repos/get-combined-status-for-ref checks/create checks/update
checks/list-for-ref issues/create issues/get issues/update issues/list-for-repo
issues/create-comment issues/update-comment issues/list-comments issues/add-labels
issues/remove-label issues/list-milestones repos/get-collaborator-permission-level
repos/create-release repos/get-release-by-tag repos/update-release repos/create-dispatch-event
repos/get-branch-protection repos/get-branch-rules pulls/create-review pulls/list-reviews
pulls/request-reviewers pulls/update-branch
reactions/create-for-issue-comment reactions/list-for-issue-comment
apps/list-installations apps/get-repo-installation apps/create-installation-access-token
apps/list-repos-accessible-to-installation
repos/create-deployment repos/list-deployments repos/get-deployment repos/delete-deployment
repos/create-deployment-status repos/list-deployment-statuses repos/get-deployment-status
repos/get-all-environments
""".split()

# Responses the description lists without a body although GitHub answers with one, and the
# component that body is. `repos/create-deployment` 409: GitHub's REST reference shows
# `{"message": "Conflict merging master into topic-branch"}` and `{"message": "Conflict: Commit
# status checks failed for topic-branch."}`, a `basic-error`.
UNDESCRIBED_BODIES = {("repos/create-deployment", "409"): "basic-error"}

DROP = {"example", "examples", "externalDocs", "discriminator", "xml", "readOnly", "writeOnly", "deprecated"}


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: scripts/extract-openapi.py PATH/TO/api.github.com.json (from the npm package @octokit/openapi 23.0.2, generated/api.github.com.json)")
    src = sys.argv[1]
    with open(src) as f:
        api = json.load(f)
    comps = api["components"]
    definitions = {}
    pending = []

    def convert(node):
        if isinstance(node, list):
            return [convert(x) for x in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            ref = node["$ref"]
            prefix = "#/components/schemas/"
            assert ref.startswith(prefix), ref
            name = ref[len(prefix):]
            if name not in definitions:
                definitions[name] = None
                pending.append(name)
            return {"$ref": "#/definitions/" + name}
        out = {}
        for k, v in node.items():
            if k in DROP or k.startswith("x-") or k == "nullable":
                continue
            if k in ("properties", "patternProperties"):
                out[k] = {pk: convert(pv) for pk, pv in v.items()}
            elif k in ("items", "additionalProperties", "not"):
                out[k] = convert(v)
            elif k == "oneOf":
                # GitHub's oneOf variants often overlap (e.g. basic-error vs
                # repository-rule-violation-error, neither with required fields), which JSON
                # Schema's exactly-one rule rejects; OpenAPI tools read them as anyOf.
                out["anyOf"] = [convert(x) for x in v]
            elif k == "allOf" and sorted(x.get("title", "") for x in v) == ["Enterprise", "Simple User"]:
                # `apps/list-installations` inlines the installation's `account` as allOf of a
                # user and an enterprise, where the `installation` component says anyOf: an
                # account is one or the other.
                out["anyOf"] = [convert(x) for x in v]
            elif k in ("allOf", "anyOf"):
                out[k] = [convert(x) for x in v]
            else:
                out[k] = v
        if out.get("format") == "uri" and out.get("default") == "":
            # A URL whose documented default is `""` (deployment statuses' `target_url`,
            # `log_url`, `environment_url`): GitHub answers `""` when none was set, which
            # `format: uri` alone refuses.
            out = {"anyOf": [out, {"type": "string", "maxLength": 0}]}
        if node.get("nullable"):
            t = out.get("type")
            if isinstance(t, str) and not any(k in out for k in ("allOf", "anyOf", "oneOf")):
                out["type"] = [t, "null"]
                if "enum" in out and None not in out["enum"]:
                    out["enum"] = out["enum"] + [None]
            else:
                out = {"anyOf": [out, {"type": "null"}]}
        return out

    def body_schema(obj):
        while "$ref" in obj:
            kind, name = obj["$ref"].split("/")[-2:]
            obj = comps[kind][name]
        content = obj.get("content", {})
        for mt in ("application/json", "application/scim+json"):
            if mt in content and "schema" in content[mt]:
                return convert(content[mt]["schema"])
        return None

    by_id = {}
    for path, item in api["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                by_id[op["operationId"]] = (path, method, op)

    operations = {}
    for op_id in OPERATIONS:
        path, method, op = by_id[op_id]
        request = body_schema(op["requestBody"]) if "requestBody" in op else None
        responses = {code: body_schema(r) for code, r in op["responses"].items()}
        for (oid, code), component in UNDESCRIBED_BODIES.items():
            if oid == op_id and responses.get(code) is None:
                responses[code] = convert({"$ref": "#/components/schemas/" + component})
        operations[op_id] = {
            "method": method.upper(),
            "path": path,
            "request": request,
            "responses": responses,
        }
    while pending:
        name = pending.pop()
        definitions[name] = convert(comps["schemas"][name])

    out = {
        "source": "GitHub REST API OpenAPI description, npm @octokit/openapi 23.0.2 "
        "generated/api.github.com.json (MIT); extracted by scripts/extract-openapi.py",
        "definitions": dict(sorted(definitions.items())),
        "operations": operations,
    }
    json.dump(out, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
