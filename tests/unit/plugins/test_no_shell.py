# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""No shell is ever involved on the controller.

The collection runs nothing locally through a shell: the Python under plugins/ starts no process with a command
string (no ``os.system``, ``os.popen``, ``subprocess`` with ``shell=True`` or a string, ``run_command`` with a string
or ``use_unsafe_shell``), and the one place a command line is made - the SSH exec request of the HMC client - joins an
argv with ``shlex.join``. The roles and playbooks use no ``shell``, ``raw`` or ``script`` task, run
``ansible.builtin.command`` only with ``argv``, and use no ``pipe`` lookup. The checks are proven able to fail on
small bad samples.
"""

from __future__ import annotations

import ast
import pathlib
import re
from collections.abc import Iterator

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
SHELL_CALLS = {("os", "system"), ("os", "popen"), ("asyncio", "create_subprocess_shell"), ("pty", "spawn")}
SHELL_CALL_PREFIXES = (("os", "exec"), ("os", "spawn"), ("os", "posix_spawn"))
SUBPROCESS_CALLS = {"run", "call", "check_call", "check_output", "Popen", "getoutput", "getstatusoutput"}
SHELL_MODULES = {"shell", "raw", "script", "ansible.builtin.shell", "ansible.builtin.raw", "ansible.builtin.script",
                 "ansible.legacy.shell", "ansible.legacy.raw", "ansible.legacy.script"}
COMMAND_MODULES = {"command", "ansible.builtin.command", "ansible.legacy.command"}
PIPE_LOOKUP = re.compile(r"""(lookup|query|q)\(\s*['"](ansible\.builtin\.)?pipe['"]""")


def _dotted(node: ast.AST) -> tuple[str, ...]:
    if isinstance(node, ast.Name):
        return (node.id,)
    if isinstance(node, ast.Attribute):
        return _dotted(node.value) + (node.attr,)
    return ()


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)) or (
        isinstance(node, ast.BinOp) and (_is_text(node.left) or _is_text(node.right)))


def python_findings(source: str, name: str) -> Iterator[str]:
    """Everything in ``source`` that would start a shell or a process from a command string."""
    tree = ast.parse(source, filename=name)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for module in modules:
                if module.split(".")[0] in ("subprocess", "pty", "commands"):
                    yield f"{name}:{node.lineno}: imports {module}"
        if not isinstance(node, ast.Call):
            continue
        dotted = _dotted(node.func)
        where = f"{name}:{node.lineno}: {'.'.join(dotted) or 'call'}"
        if dotted[-2:] in SHELL_CALLS or any(dotted[-2:-1] == p[:1] and dotted[-1].startswith(p[1]) for p in SHELL_CALL_PREFIXES):
            yield f"{where} runs a command line"
        if dotted[:1] == ("subprocess",) and dotted[-1] in SUBPROCESS_CALLS:
            yield f"{where} starts a process"
        for keyword in node.keywords:
            if keyword.arg in ("shell", "use_unsafe_shell") and not (isinstance(keyword.value, ast.Constant) and keyword.value.value is False):
                yield f"{where} with {keyword.arg}={ast.unparse(keyword.value)}"
        if dotted[-1:] == ("run_command",) and node.args and _is_text(node.args[0]):
            yield f"{where} with a command string"
        if dotted[-1:] == ("exec_command",) and not (node.args and _dotted(getattr(node.args[0], "func", ast.Pass())) == ("shlex", "join")):
            yield f"{where} without shlex.join(argv)"


def task_findings(data: object, name: str) -> Iterator[str]:
    """Shell-like tasks and pipe lookups anywhere in a parsed role or playbook file."""
    if isinstance(data, list):
        for item in data:
            yield from task_findings(item, name)
    elif isinstance(data, dict):
        for key, value in data.items():
            if key in SHELL_MODULES:
                yield f"{name}: task uses {key}"
            elif key in COMMAND_MODULES and not (isinstance(value, dict) and "argv" in value and "cmd" not in value):
                yield f"{name}: {key} without argv: {value!r}"
            yield from task_findings(value, name)
    elif isinstance(data, str) and PIPE_LOOKUP.search(data):
        yield f"{name}: pipe lookup in {data!r}"


def _files(*patterns: str) -> list[pathlib.Path]:
    return sorted(p for pattern in patterns for p in ROOT.glob(pattern) if p.is_file())


PYTHON_FILES = _files("plugins/**/*.py")
TASK_FILES = _files("roles/**/*.yml", "roles/**/*.yaml", "playbooks/*.yml", "playbooks/*.yaml")


def test_the_scan_sees_the_collection():
    relative = {p.relative_to(ROOT).as_posix() for p in PYTHON_FILES}
    assert "plugins/module_utils/_hmc_client.py" in relative and len(PYTHON_FILES) > 50
    assert any(p.parts[-3:-1] == ("evacuate", "tasks") for p in TASK_FILES)


def test_plugins_start_no_process_from_a_command_string():
    found = [f for path in PYTHON_FILES for f in python_findings(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())]
    assert found == []


def test_the_ssh_command_line_is_made_in_one_place():
    joined = [p.relative_to(ROOT).as_posix() for p in PYTHON_FILES if "exec_command(" in p.read_text(encoding="utf-8")]
    assert joined == ["plugins/module_utils/_hmc_client.py"]


def test_roles_and_playbooks_run_no_shell():
    found = [f for path in TASK_FILES for f in task_findings(yaml.safe_load(path.read_text(encoding="utf-8")), path.relative_to(ROOT).as_posix())]
    assert found == []


@pytest.mark.parametrize("source, expected", [
    ("import os\nos.system('ls ' + name)\n", "os.system runs a command line"),
    ("import os\nos.popen(cmd)\n", "os.popen runs a command line"),
    ("import os\nos.execvp('sh', argv)\n", "os.execvp runs a command line"),
    ("import subprocess\n", "imports subprocess"),
    ("from subprocess import run\n", "imports subprocess"),
    ("import subprocess\nsubprocess.run(['ls'])\n", "subprocess.run starts a process"),
    ("x.run(argv, shell=True)\n", "with shell=True"),
    ("module.run_command(argv, use_unsafe_shell=flag)\n", "with use_unsafe_shell=flag"),
    ("module.run_command(f'ls {path}')\n", "with a command string"),
    ("module.run_command('ls ' + path)\n", "with a command string"),
    ("channel.exec_command(' '.join(argv))\n", "without shlex.join(argv)"),
    ("import asyncio\nasyncio.create_subprocess_shell(cmd)\n", "runs a command line"),
])
def test_the_python_scan_catches(source, expected):
    assert any(expected in finding for finding in python_findings(source, "sample.py"))


def test_the_python_scan_lets_argv_through():
    source = "import shlex\nmodule.run_command(['ls', path])\nchannel.exec_command(shlex.join(argv))\nx.run(a, shell=False)\n"
    assert not list(python_findings(source, "sample.py"))


@pytest.mark.parametrize("tasks, expected", [
    ([{"name": "a", "ansible.builtin.shell": "ls {{ x }}"}], "task uses ansible.builtin.shell"),
    ([{"name": "a", "raw": "ls"}], "task uses raw"),
    ([{"block": [{"name": "a", "ansible.builtin.script": "x.sh"}]}], "task uses ansible.builtin.script"),
    ([{"name": "a", "ansible.builtin.command": "ls {{ x }}"}], "ansible.builtin.command without argv"),
    ([{"name": "a", "command": {"cmd": "ls {{ x }}"}}], "command without argv"),
    ([{"name": "a", "ansible.builtin.debug": {"msg": "{{ lookup('pipe', 'id') }}"}}], "pipe lookup"),
    ([{"name": "a", "ansible.builtin.set_fact": {"x": "{{ query('ansible.builtin.pipe', 'id') }}"}}], "pipe lookup"),
])
def test_the_task_scan_catches(tasks, expected):
    assert any(expected in finding for finding in task_findings(tasks, "sample.yml"))


def test_the_task_scan_lets_argv_commands_through():
    tasks = [{"name": "a", "ansible.builtin.command": {"argv": ["hook", "{{ x }}"]}, "changed_when": True}]
    assert not list(task_findings(tasks, "sample.yml"))
