#!/usr/bin/env python3
"""Copy the webhook examples convoy parses into tests/fixtures/webhooks/.

Sources (MIT, (c) GitHub / the Octokit contributors), each a list of
{name, description, actions, properties, examples}:

- GitHub.com: `api.github.com/index.json` of the npm package `@octokit/webhooks-examples` 7.6.1
  (https://unpkg.com/@octokit/webhooks-examples@7.6.1/api.github.com/index.json), written to
  tests/fixtures/webhooks/;
- GitHub Enterprise Server 3.5: `payload-examples/ghes-35/index.json` of the repository
  https://github.com/octokit/webhooks at tag v7.6.1, written with `--into ghes-3.5` to
  tests/fixtures/webhooks/ghes-3.5/.

Usage: scripts/extract-webhook-fixtures.py PATH/TO/index.json [--into SUBFOLDER]

Each example becomes `<event>.<action>.json` (the first example of that action),
`<event>.<action>-2.json`, `-3`, … for the next ones, or `<event>.<n>.json` (n from 1) for events
without an action. Output is deterministic: same input, same files, same bytes. Files of a
previous run for these events are removed first, so a rerun never leaves stale fixtures.
Standard library only.
"""

import json
import os
import sys

# The events convoy turns into signals (see crates/convoy-core/src/event/mod.rs). `schedule` has
# no webhook example; tests build its payload inline.
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

USAGE = (
    "usage: scripts/extract-webhook-fixtures.py PATH/TO/index.json [--into SUBFOLDER]"
    " (api.github.com/index.json of the npm package @octokit/webhooks-examples 7.6.1, or"
    " payload-examples/ghes-35/index.json of octokit/webhooks v7.6.1 with --into ghes-3.5)"
)


def main() -> int:
    args = sys.argv[1:]
    into = None
    if len(args) == 3 and args[1] == "--into":
        into = args[2]
        args = args[:1]
    if len(args) != 1 or (into is not None and ("/" in into or into.startswith("."))):
        sys.exit(USAGE)
    source = args[0]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_dir = os.path.join(root, "tests", "fixtures", "webhooks")
    if into is not None:
        out_dir = os.path.join(out_dir, into)
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
        if entry is None or not entry.get("examples"):
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
