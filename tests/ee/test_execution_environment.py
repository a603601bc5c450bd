# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""execution-environment.yml: ansible-builder turns it into a build context holding the collection and its
requirements (``ansible-builder create``; no image is built, there is no container engine here).

The collection tarball is built from the copy on ANSIBLE_COLLECTIONS_PATH (scripts/test.sh prepares it in
build/), else from this checkout. The definition and the files it names are used from a temporary copy
of the checkout's layout, so the test writes nothing into the repository.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys
from typing import Any

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
DEFINITION = "execution-environment.yml"
TIMEOUT = 300


def _tool(name: str) -> str:
    local = pathlib.Path(sys.executable).parent / name
    return str(local) if local.exists() else name


def _collection_root() -> pathlib.Path:
    for base in filter(None, os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep)):
        candidate = pathlib.Path(base) / "ansible_collections" / "powervm" / "lpm"
        if (candidate / "galaxy.yml").exists():
            return candidate
    return REPO


def _run(*argv: str, cwd: pathlib.Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(list(argv), cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    print(done.stdout)
    print(done.stderr, file=sys.stderr)
    assert done.returncode == 0, f"{argv[0]} failed: {done.stderr}"
    return done


def _requirement_lines(path: pathlib.Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]


@pytest.fixture(scope="module")
def galaxy() -> dict[str, Any]:
    return yaml.safe_load((REPO / "galaxy.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def definition() -> dict[str, Any]:
    return yaml.safe_load((REPO / DEFINITION).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory, definition: dict[str, Any]) -> pathlib.Path:
    """``ansible-builder create`` run on a copy of the definition, its files and a freshly built tarball."""
    work = tmp_path_factory.mktemp("ee")
    for name in (DEFINITION, definition["dependencies"]["python"], definition["dependencies"]["system"]):
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, work / name)
    dist = work / "build" / "dist"
    _run(_tool("ansible-galaxy"), "collection", "build", "--output-path", str(dist), "--force", cwd=_collection_root())
    _run(_tool("ansible-builder"), "create", "--file", str(work / DEFINITION), "--context", str(work / "build" / "ee"),
         "--output-filename", "Containerfile")
    return work / "build" / "ee"


def test_definition_is_schema_3_on_a_supported_core(definition: dict[str, Any]) -> None:
    assert definition["version"] == 3
    deps = definition["dependencies"]
    assert deps["python"] == "meta/ee-requirements.txt" and deps["system"] == "bindep.txt"
    assert deps["ansible_core"]["package_pip"].startswith("ansible-core>=2.18")
    python = deps["python_interpreter"]["package_system"]
    assert re.fullmatch(r"python3\.(1[1-9])", python), python
    assert deps["python_interpreter"]["python_path"] == f"/usr/bin/{python}"


def test_tarball_name_follows_galaxy_yml(definition: dict[str, Any], galaxy: dict[str, Any]) -> None:
    tarball = f"{galaxy['namespace']}-{galaxy['name']}-{galaxy['version']}.tar.gz"
    assert [f["src"] for f in definition["additional_build_files"]] == [f"build/dist/{tarball}"]
    assert definition["dependencies"]["galaxy"]["collections"] == [{"name": f"/build/collections/{tarball}", "type": "file"}]


def test_containerfile_installs_core_the_collection_and_its_requirements(context: pathlib.Path, definition: dict[str, Any]) -> None:
    text = (context / "Containerfile").read_text(encoding="utf-8")
    assert f'ARG EE_BASE_IMAGE="{definition["images"]["base_image"]["name"]}"' in text
    assert f'ARG PYCMD="{definition["dependencies"]["python_interpreter"]["python_path"]}"' in text
    core, runner = definition["dependencies"]["ansible_core"]["package_pip"], definition["dependencies"]["ansible_runner"]["package_pip"]
    assert f'ARG ANSIBLE_INSTALL_REFS="{core} {runner}"' in text
    assert "COPY _build /build" in text
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in text
    assert "COPY _build/requirements.txt requirements.txt" in text
    assert "COPY _build/bindep.txt bindep.txt" in text
    assert "introspect --user-pip=requirements.txt --user-bindep=bindep.txt" in text


def test_context_holds_the_tarball_and_the_requirement_files(context: pathlib.Path, definition: dict[str, Any], galaxy: dict[str, Any]) -> None:
    build = context / "_build"
    tarball = build / "collections" / f"powervm-lpm-{galaxy['version']}.tar.gz"
    assert tarball.is_file() and tarball.stat().st_size > 10_000
    requirements = yaml.safe_load((build / "requirements.yml").read_text(encoding="utf-8"))
    assert requirements == {"collections": definition["dependencies"]["galaxy"]["collections"]}
    python = _requirement_lines(build / "requirements.txt")
    assert python == _requirement_lines(REPO / "meta" / "ee-requirements.txt")
    assert {line.split(">=")[0] for line in python} == {"paramiko", "cryptography", "PyYAML"}
    system = _requirement_lines(build / "bindep.txt")
    assert system == _requirement_lines(REPO / "bindep.txt")
    assert all("[compile platform:rpm]" in line for line in system), "nothing is needed at run time"
    assert not any(line.split()[0] in ("openssh-clients", "sshpass") for line in system)


def test_installed_collection_declares_its_requirements(context: pathlib.Path, galaxy: dict[str, Any], tmp_path: pathlib.Path) -> None:
    """What ansible-builder's introspection finds in the installed collection (its builder stage runs the same script)."""
    tarball = context / "_build" / "collections" / f"powervm-lpm-{galaxy['version']}.tar.gz"
    installed = tmp_path / "collections"
    _run(_tool("ansible-galaxy"), "collection", "install", "--offline", "--force", "-p", str(installed), str(tarball))
    root = installed / "ansible_collections" / "powervm" / "lpm"
    assert yaml.safe_load((root / "meta" / "execution-environment.yml").read_text(encoding="utf-8"))["dependencies"] == {
        "python": "meta/ee-requirements.txt", "system": "bindep.txt"}
    pip_out, bindep_out = tmp_path / "pip.txt", tmp_path / "bindep.txt"
    _run(sys.executable, str(context / "_build" / "scripts" / "introspect.py"), "introspect", str(installed),
         "--write-pip", str(pip_out), "--write-bindep", str(bindep_out))
    found = pip_out.read_text(encoding="utf-8")
    for name in ("paramiko>=3.2", "cryptography>=3.3"):
        assert re.search(rf"^{re.escape(name)}\s+# from collection powervm\.lpm$", found, re.MULTILINE), found
    # ansible-builder leaves out what ansible-core itself requires.
    assert "PyYAML" not in found
    assert re.search(r"^gcc \[compile platform:rpm\]\s+# from collection powervm\.lpm$", bindep_out.read_text(encoding="utf-8"), re.MULTILINE)
