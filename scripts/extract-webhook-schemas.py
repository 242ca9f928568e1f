#!/usr/bin/env python3
"""Extract the webhook payload schemas of the events the sandbox emits.

Usage: scripts/extract-webhook-schemas.py [PATH/TO/webhook-schemas.json] > tests/fixtures/openapi/webhook-subset.json

Source: npm package @octokit/webhooks-schemas 7.6.1 (MIT), a draft-07 schema whose
`definitions` are named `event$action` (or `event$event`). Output: {"source", "definitions"}
holding the wanted payload definitions and everything they reference.
"""
import json
import re
import sys

EVENTS = """
push$event workflow_dispatch$event repository_dispatch$event status$event
workflow_run$requested workflow_run$in_progress workflow_run$completed
pull_request$opened pull_request$synchronize pull_request$closed pull_request$edited pull_request$reopened
pull_request$review_requested
issues$opened issues$edited issues$closed issues$reopened issues$milestoned issues$demilestoned
issue_comment$created issue_comment$edited check_run$created check_run$completed
pull_request$enqueued pull_request$dequeued merge_group$checks_requested merge_group$destroyed
deployment$created deployment_status$created
""".split()


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: scripts/extract-webhook-schemas.py PATH/TO/schema.json (from the npm package @octokit/webhooks-schemas 7.6.1)")
    src = sys.argv[1]
    with open(src) as f:
        defs = json.load(f)["definitions"]
    keep = {}
    todo = list(EVENTS)
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep[name] = defs[name]
        todo.extend(re.findall(r'"#/definitions/([^"]+)"', json.dumps(defs[name])))
    out = {
        "source": "npm @octokit/webhooks-schemas 7.6.1 (MIT); extracted by scripts/extract-webhook-schemas.py",
        "events": EVENTS,
        "definitions": dict(sorted(keep.items())),
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
