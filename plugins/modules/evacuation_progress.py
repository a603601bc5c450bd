#!/usr/bin/python
# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: evacuation_progress
short_description: Print the progress of a running evacuation, and answer its hooks
version_added: 0.1.0
description:
  - Reads the progress file that M(powervm.lpm.evacuation) writes while it runs in the background and returns it as a
    table in RV(msg) - a headline (moved, running, waiting and left partitions, elapsed time, ETA) and one line per
    migration in flight (target, HMC migration state, MSP pair, bytes sent of the total, percent, ETA).
  - Waits up to O(wait) seconds first, and returns earlier when the evacuation ended or a hook of a disruption group
    became due (RV(hooks_due)). In a loop with C(loop_control.break_when), each call is a task result of its own, so
    C(ansible-playbook) prints the table and AWX records an event every O(wait) seconds while migrations run.
  - With O(answers), records the outcome of hooks the playbook ran, which lets the evacuation go on.
  - Runs on the controller and only reads and writes files in O(state_dir); it never connects to the HMC.
author:
  - powervm.lpm maintainers (@powervm-lpm)
extends_documentation_fragment:
  - powervm.lpm.attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode the hook answers are not written.
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - Reading progress changes nothing; writing an answer twice leaves the same answer.
  platform:
    support: full
    platforms: controller
    details:
      - This is an action plugin; it runs on the Ansible controller. There is no module code to run on a target.
options:
  source_system:
    description: The system being evacuated (the evacuation's O(powervm.lpm.evacuation#module:source_system)).
    type: str
    required: true
  name:
    description: The evacuation's name when it has one (O(powervm.lpm.evacuation#module:name)).
    type: str
  state_dir:
    description: The evacuation's state directory (O(powervm.lpm.evacuation#module:state_dir)).
    type: path
    default: ~/.ansible/powervm_lpm/evacuations
  token:
    description:
      - The C(run_token) returned by the M(powervm.lpm.evacuation) task. Progress of another run is not shown.
    type: str
    default: ""
  jid:
    description: The C(ansible_job_id) of the asynchronous M(powervm.lpm.evacuation) task, to notice that it ended.
    type: str
  wait:
    description: Seconds to wait before reporting. Keep it at 30 or less so that progress shows at least every 30 seconds.
    type: float
    default: 15.0
  answers:
    description: Outcomes of hooks the playbook ran.
    type: list
    elements: dict
    default: []
    suboptions:
      group:
        description: The disruption group.
        type: str
        required: true
      phase:
        description: The hook.
        type: str
        required: true
        choices: [pre, post]
      ok:
        description: Whether the hook succeeded.
        type: bool
        required: true
      detail:
        description: What happened, for the record.
        type: str
        default: ""
  journal:
    description: Also return what the journal holds (RV(journal)), to know whether a run would resume.
    type: bool
    default: false
seealso:
  - module: powervm.lpm.evacuation
"""

EXAMPLES = r"""
- name: Follow the evacuation, one progress report every 15 seconds
  powervm.lpm.evacuation_progress:
    source_system: p750-Server-8233-E8B-SN069348P
    token: "{{ evacuation_job.run_token }}"
    jid: "{{ evacuation_job.ansible_job_id }}"
    wait: 15
  loop: "{{ range(0, 5760) | list }}"
  loop_control:
    label: "{{ evacuation_follow.headline | default('') }}"
    break_when:
      - evacuation_follow.finished or evacuation_follow.hooks_due | length > 0
  register: evacuation_follow

- name: Tell the evacuation that the pre-hook of db-cluster ran
  powervm.lpm.evacuation_progress:
    source_system: p750-Server-8233-E8B-SN069348P
    answers:
      - {group: db-cluster, phase: pre, ok: true}
    wait: 0
"""

RETURN = r"""
finished:
  description: The evacuation run ended (or its module ended, or it stopped).
  returned: always
  type: bool
why:
  description: Why the action returned.
  returned: always
  type: str
  sample: time to report
headline:
  description: One line - partitions moved, running, waiting and left, elapsed time and ETA.
  returned: always
  type: str
  sample: "p750-Server-8233-E8B-SN069348P: 3 moved, 2 running, 3 waiting, 0 left of 8 (running) | elapsed 0:00:41 | ETA 0:01:55"
msg:
  description: The headline and one line per partition in flight (or left), then the hooks due.
  returned: always
  type: list
  elements: str
counts:
  description: Partitions per state (C(moved), C(running), C(waiting), C(left), C(total)).
  returned: always
  type: dict
eta_seconds:
  description: Real seconds to the predicted end of the evacuation.
  returned: always
  type: float
elapsed:
  description: Seconds since the run started.
  returned: always
  type: float
hooks_due:
  description: Hooks the playbook should run now (C(group), C(phase)).
  returned: always
  type: list
  elements: dict
journal:
  description: What the journal holds - C(exists), C(complete), C(runs), C(started) and the C(plan) it follows.
  returned: when O(journal=true)
  type: dict
"""
