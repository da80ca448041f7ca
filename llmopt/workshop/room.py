"""One machine serves a room: the profile's target and draft servers, reachable by the
participants, and the `attach` block their profile needs.

    LLMOPT_HOST=0.0.0.0 llmopt workshop serve --address gpu-box.local

prints the block to paste into `cookbook/profiles/workshop.yaml` and serves until Ctrl-C.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import yaml

from llmopt.serve import VllmServer


def attach_block(servers: dict[str, VllmServer], address: str) -> str:
    """The profile lines that attach a participant's notebooks to `servers`, reached at
    `address` (the name or IP the room reaches this machine by)."""
    attach = {which: {"base_url": f"http://{address}:{urlsplit(s.url).port}/v1"}
              for which, s in servers.items()}
    return yaml.safe_dump({"attach": attach, "launch_servers": False}, sort_keys=False)
