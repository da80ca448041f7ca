"""bandit's medium and high findings (`bandit -ll`) over the package: none, or each waived at
its line with the reason (`# nosec BXXX # why`)."""

from __future__ import annotations

import json
import subprocess
import sys

from llmopt.settings import REPO_ROOT


def test_bandit_finds_nothing_unexplained():
    done = subprocess.run([sys.executable, "-m", "bandit", "-ll", "-q", "-r", "llmopt",
                           "widgets", "-f", "json"], cwd=REPO_ROOT, capture_output=True,
                          text=True, check=False)
    findings = json.loads(done.stdout)["results"]
    assert findings == [], [f"{f['filename']}:{f['line_number']} {f['test_id']}"
                            for f in findings]
