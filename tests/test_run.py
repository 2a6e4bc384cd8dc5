"""The `run` script's set-up steps, with the system's commands replaced by recording stubs."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tools.harness import PROJECT_DIR

SCRIPT = (PROJECT_DIR / "run").read_text()


def _function(name: str) -> str:
    match = re.search(rf"^{name}\(\) {{\n.*?^}}\n", SCRIPT, re.S | re.M)
    assert match, f"run no longer defines {name}(): update this test"
    return match.group(0)


def _apt_install(tmp_path: Path, *, first_install_fails: bool) -> list[list[str]]:
    """Call run's apt_install with stub `id` (root) and `apt-get` (records its arguments) first on PATH."""
    bin_dir, log = tmp_path / "bin", tmp_path / "calls"
    bin_dir.mkdir()
    (bin_dir / "id").write_text("#!/bin/sh\necho 0\n")
    # The first install fails when asked (the package lists are stale on a fresh machine): run updates, then retries.
    fail = f'[ -e {tmp_path}/failed ] || {{ touch {tmp_path}/failed; exit 100; }}' if first_install_fails else ":"
    (bin_dir / "apt-get").write_text(f'#!/bin/sh\necho "$*" >> {log}\ncase "$*" in *" install "*) {fail};; esac\n')
    for stub in bin_dir.iterdir():
        stub.chmod(0o755)
    script = _function("as_root") + _function("apt_install") + "apt_install graphviz\n"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return [line.split() for line in log.read_text().splitlines()]


def test_every_apt_call_waits_for_a_held_lock(tmp_path: Path) -> None:
    # apt.conf(5): DPkg::Lock::Timeout is how many seconds apt waits for the dpkg lock instead of failing at once
    # (an unattended upgrade holds it on a fresh machine's first minutes).
    calls = _apt_install(tmp_path, first_install_fails=True)
    assert [c[c.index("-o") + 2] for c in calls] == ["install", "update", "install"]
    for call in calls:
        assert "DPkg::Lock::Timeout=300" in call and call[call.index("DPkg::Lock::Timeout=300") - 1] == "-o"
    assert all(c[-1] == "graphviz" for c in calls if "install" in c)


def test_an_install_that_works_the_first_time_updates_nothing(tmp_path: Path) -> None:
    calls = _apt_install(tmp_path, first_install_fails=False)
    assert len(calls) == 1 and "install" in calls[0] and "update" not in calls[0]


def test_the_pulumi_cli_and_run_share_one_virtualenv() -> None:
    import yaml

    (venv,) = re.findall(r"^VENV=(\S+)$", SCRIPT, re.M)
    project = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())
    assert project["runtime"]["options"]["virtualenv"] == venv
    setup = (PROJECT_DIR / ".github" / "actions" / "pulumi-setup" / "action.yml").read_text()
    assert f"python -m venv {venv} " in setup
