#!/usr/bin/python
# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: maintenance_window
short_description: Load and check a maintenance window file, and tell whether now is inside the window
version_added: 0.1.0
description:
  - Reads a maintenance window file (YAML, kept in git) that says which systems to evacuate, to which targets, when,
    and under which policy, exclusions, pins and disruption groups. The schema is in the collection's
    C(docs/maintenance-windows.md).
  - Checks the whole file and reports every problem at once, each with the path of the field, for example
    C(disruption_groups[1].members[0]) when a member is not a string. Unknown keys get a "did you mean" hint. Keys
    that look like secrets are refused; credentials come from Ansible Vault or AWX.
  - Returns the window normalised (every optional key with its default, times in UTC, targets per source system,
    relative paths resolved against the window file's directory) for the evacuation playbooks, and where the current
    time (or O(now)) stands relative to the window.
  - The module runs on the controller and does not connect to an HMC.
options:
  path:
    description:
      - The window file on the controller.
    type: path
    required: true
  now:
    description:
      - The time to compare with the window, as ISO 8601 with a timezone (V(2026-03-14T22:30:00+01:00)).
      - By default the current time.
    type: str
  partitions:
    description:
      - Partition names of the source systems. When given, RV(excluded) lists those matched by the window's
        exclusions, and RV(planner_policy) excludes them by name.
    type: list
    elements: str
extends_documentation_fragment:
  - powervm.lpm.attributes
  - powervm.lpm.attributes.INFO_MODULE
attributes:
  platform:
    support: full
    platforms: controller
    details:
      - The module runs on the Ansible controller and reads a file there.
seealso:
  - module: powervm.lpm.evacuation_report
author:
  - powervm.lpm maintainers (@powervm-lpm)
"""

EXAMPLES = r"""
- name: Load the window of this change
  powervm.lpm.maintenance_window:
    path: "{{ playbook_dir }}/windows/p750-firmware-2026-03.yml"
  register: window

- name: Refuse to start outside the window
  ansible.builtin.assert:
    that: window.before_deadline
    fail_msg: "{{ window.window.name }} runs from {{ window.window.window.start }} to {{ window.window.window.deadline }} (UTC)"

- name: Check a window file in CI at the time the change is planned for
  powervm.lpm.maintenance_window:
    path: windows/p750-firmware-2026-03.yml
    now: "2026-03-14T22:30:00+01:00"
"""

RETURN = r"""
window:
  description:
    - The window, normalised. Every key of the schema is present; see C(docs/maintenance-windows.md).
    - C(window.start), C(window.end) and C(window.deadline) (the end less C(policy.deadline_margin_minutes)) are ISO
      8601 in UTC; C(targets) maps each source system to its targets; C(all_targets) lists every target; paths are
      absolute; each hook holds C(type), C(path), C(argv), C(timeout_seconds), C(on_failure), C(vars) and
      C(environment).
  returned: success
  type: dict
  sample:
    name: p750-firmware-2026-03
    source_systems: [p750-Server-8233-E8B-SN069348P]
    targets: {p750-Server-8233-E8B-SN069348P: [p740-Server-8205-E6B-SN10934CP]}
    window: {start: "2026-03-14T21:00:00+00:00", end: "2026-03-15T01:00:00+00:00", deadline: "2026-03-15T00:30:00+00:00"}
now:
  description: The time compared with the window, in UTC.
  returned: success
  type: str
  sample: "2026-03-14T21:30:00+00:00"
in_window:
  description: Whether RV(now) is between the window's start (included) and end (excluded).
  returned: success
  type: bool
before_deadline:
  description: Whether RV(now) is inside the window and before its deadline, so that a migration may still start.
  returned: success
  type: bool
seconds_to_start:
  description: Seconds from RV(now) to the window's start (negative once it has begun).
  returned: success
  type: float
seconds_to_end:
  description: Seconds from RV(now) to the window's end (negative once it is over).
  returned: success
  type: float
seconds_to_deadline:
  description: Seconds from RV(now) to the window's deadline.
  returned: success
  type: float
planner_policy:
  description: The evacuation planner's policy made from the window (exclusions, pins, disruption groups, caps).
  returned: success
  type: dict
excluded:
  description: The partitions of O(partitions) that the window's exclusions match.
  returned: when O(partitions) is given
  type: list
  elements: str
problems:
  description: Every problem found in the file, one line each, when it is not valid.
  returned: failure
  type: list
  elements: str
"""

import datetime

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.powervm.lpm.plugins.module_utils._data_check import DataError
from ansible_collections.powervm.lpm.plugins.module_utils._window import load_window, status
from ansible_collections.powervm.lpm.plugins.module_utils._window_policy import matching, planner_policy

OPTIONS = {
    "path": {"type": "path", "required": True},
    "now": {"type": "str"},
    "partitions": {"type": "list", "elements": "str"},
}


def parse_now(text: str | None) -> datetime.datetime:
    if text is None:
        return datetime.datetime.now(datetime.timezone.utc)
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"now: {text!r} has no timezone")
    return moment


def main() -> None:
    module = AnsibleModule(argument_spec=OPTIONS, supports_check_mode=True)
    p = module.params
    try:
        now = parse_now(p["now"])
    except ValueError as exc:
        module.fail_json(msg=f"now must be an ISO 8601 date and time with a timezone: {exc}")
    try:
        window = load_window(p["path"])
    except DataError as exc:
        module.fail_json(msg=str(exc), problems=exc.problems)
    result = {"changed": False, "window": window, **status(window, now), "planner_policy": planner_policy(window, p["partitions"])}
    if p["partitions"] is not None:
        result["excluded"] = matching(window["exclusions"], p["partitions"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
