#!/usr/bin/env python3
"""Copy the webhook examples convoy parses into tests/fixtures/webhooks/.

Source: @octokit/webhooks-examples 7.6.1 (MIT), file `api.github.com/index.json`, kept in the
shared reference folder as `webhook-examples.api.github.com.json`: a list of
{name, description, actions, properties, examples}.

Usage: scripts/extract-webhook-fixtures.py [PATH-TO-webhook-examples.api.github.com.json]

Each example becomes `<event>.<action>.json` (the first example of that action),
`<event>.<action>-2.json`, `-3`, … for the next ones, or `<event>.<n>.json` (n from 1) for events
without an action. Output is deterministic: same input, same files, same bytes. Files of a
previous run for these events are removed first, so a rerun never leaves stale fixtures.
Standard library only.
"""

import json
import os
import sys

# The events convoy turns into signals (see src/event/mod.rs). `schedule` has no webhook
# example; tests build its payload inline.
EVENTS = [
    "workflow_dispatch",
    "repository_dispatch",
    "pull_request",
    "pull_request_review",
    "issue_comment",
    "issues",
    "workflow_run",
    "check_suite",
    "check_run",
    "status",
    "push",
    "milestone",
]



def main() -> int:
    if len(sys.argv) < 2:
        sys.exit(
            "usage: scripts/extract-webhook-fixtures.py PATH/TO/api.github.com/index.json"
            " (the examples of the npm package @octokit/webhooks-examples 7.6.1)"
        )
    source = sys.argv[1]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_dir = os.path.join(root, "tests", "fixtures", "webhooks")
    os.makedirs(out_dir, exist_ok=True)

    with open(source, encoding="utf-8") as f:
        catalogue = json.load(f)
    by_name = {entry["name"]: entry for entry in catalogue}

    for name in os.listdir(out_dir):
        if name.endswith(".json") and name.split(".", 1)[0] in EVENTS:
            os.remove(os.path.join(out_dir, name))

    written = 0
    for event in EVENTS:
        entry = by_name.get(event)
        if entry is None:
            print(f"warning: no examples for `{event}`", file=sys.stderr)
            continue
        seen = {}
        for index, example in enumerate(entry["examples"], start=1):
            action = example.get("action") if isinstance(example, dict) else None
            if isinstance(action, str) and action:
                action = "".join(c if c.isalnum() or c in "_-" else "_" for c in action)
                count = seen.get(action, 0) + 1
                seen[action] = count
                stem = action if count == 1 else f"{action}-{count}"
            else:
                stem = str(index)
            path = os.path.join(out_dir, f"{event}.{stem}.json")
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                json.dump(example, f, indent=2, ensure_ascii=False, sort_keys=False)
                f.write("\n")
            written += 1
    print(f"wrote {written} fixtures to {os.path.relpath(out_dir, root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
