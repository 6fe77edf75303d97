"""The docs harness itself: how blocks are found and split, and that it catches a wrong doc
(a command with another exit code, a Python value that differs, a failing block)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from doc_blocks import blocks, substitute

RUNNER = Path(__file__).with_name("doc_runner.py")

DOC = """\
# A page

<!-- not run: needs a cluster -->
```bash
kubectl apply -f x.yaml
```

```bash
echo one   # exit 0
false      # exit 1: documented
cat > f.txt <<'END'
a # exit 3
END
printf '%s\\n' \\
  "two words"
```

```console
$ echo hi
hi
```

```python
x = 2 + 2
x   # => 4
```

```yaml
not: run
```
"""


def test_blocks_are_split_into_commands_with_their_exit_codes(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(DOC)
    found = blocks(page)
    assert [(b.lang, b.kind, b.skip) for b in found] == [
        ("bash", "shell", "needs a cluster"),
        ("bash", "shell", None),
        ("console", "shell", None),
        ("python", "python", None),
        ("yaml", None, None),
    ]
    cmds = found[1].commands
    assert [(c.line, c.expect) for c in cmds] == [(9, 0), (10, 1), (11, 0), (14, 0)]
    assert cmds[2].text.endswith("END")  # the here-document stays with its command
    assert cmds[3].text == "printf '%s\\n' \\\n  \"two words\""
    assert [c.text for c in found[2].commands] == ["echo hi"]


def test_placeholders_point_at_the_servers(tmp_path: Path) -> None:
    text = "curl http://localhost:9090/api && ls /dev/shm/x /etc/prometheus/rules"
    out = substitute(text, {"prometheus": "http://127.0.0.1:1", "rules_dir": "/r"}, tmp_path)
    assert out == f"curl http://127.0.0.1:1/api && ls {tmp_path}/shm/x /r"


def _run(tmp_path: Path, plan_blocks: list[dict]) -> list[dict]:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"workdir": str(tmp_path), "blocks": plan_blocks}))
    out = subprocess.run(
        [sys.executable, str(RUNNER), str(plan)], capture_output=True, text=True, timeout=60
    )
    return [json.loads(line) for line in out.stdout.splitlines()]


def _py(code: str, line: int = 1) -> dict:
    return {
        "where": f"d.md:{line}",
        "file": "d.md",
        "line": line,
        "kind": "python",
        "code": code,
        "commands": [],
    }


def _sh(*commands: tuple[str, int]) -> dict:
    return {
        "where": "d.md:1",
        "file": "d.md",
        "line": 1,
        "kind": "shell",
        "code": "",
        "commands": [
            {"line": k + 1, "text": text, "expect": expect}
            for k, (text, expect) in enumerate(commands)
        ],
    }


def test_the_runner_catches_wrong_docs(tmp_path: Path) -> None:
    results = _run(
        tmp_path,
        [
            _sh(("true", 0), ("false", 1)),  # as documented
            _sh(("(exit 2)", 0)),  # the doc says 0
            _py("a = 21\na * 2   # => 42\n"),
            _py("a + 1   # => 21\n", line=10),  # the doc's value is wrong
            _py("raise RuntimeError('boom')\n", line=20),
        ],
    )
    assert [r["ok"] for r in results] == [True, False, True, False, False]
    assert "exit 2, the doc expects 0" in results[1]["error"]
    assert "d.md:10: the doc says 21, the code gives 22" in results[3]["error"]
    assert 'File "d.md", line 20' in results[4]["error"]
