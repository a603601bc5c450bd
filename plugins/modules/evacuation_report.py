#!/usr/bin/python
# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: evacuation_report
short_description: Write the JSON, Markdown and HTML reports of an evacuation
version_added: 0.1.0
description:
  - Renders an evacuation record (what the plan predicted, what each migration did, what stayed on the source
    system) as three files in a directory, named C(BASENAME.json), C(BASENAME.md) and C(BASENAME.html).
  - The HTML page is self-contained (inline CSS and SVG, no script, no external file). It shows the summary figures,
    a timeline of every migration split by phase with the predicted migration under it, the lower bound and the
    predicted ETA as vertical lines, and tables of the migrations, failures, partitions left on the source and
    post-checks.
  - The record format is described field by field in the collection's C(docs/report.md).
  - A file is written only when its content changes, through a temporary file renamed into place.
  - The module runs on the controller and does not connect to an HMC.
options:
  record:
    description:
      - The evacuation record.
      - Its C(migrations) may also be given as the RV(powervm.lpm.lpar_migration#module:results) of the
        M(powervm.lpm.lpar_migration) module, and its C(plan) as the output of the evacuation planner; both are
        converted.
      - Exactly one of O(record) and O(src) is required.
    type: dict
  src:
    description:
      - A file on the controller holding the record as one JSON object, or the evacuation journal (JSON Lines, one
        event per line) from which the record is rebuilt.
    type: path
  dest:
    description:
      - The directory to write the reports to. It is created when missing (not in check mode).
    type: path
    required: true
  basename:
    description:
      - File name of the reports without extension.
      - By default C(evacuation-SOURCE-YYYYmmddTHHMMSSZ) from the record's source system and start time.
    type: str
  formats:
    description:
      - The reports to write.
    type: list
    elements: str
    choices: [json, markdown, html]
    default: [json, markdown, html]
extends_documentation_fragment:
  - powervm.lpm.attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode nothing is written; RV(paths) holds the files that would be written and RV(written) those whose
        content would change.
  diff_mode:
    support: none
  idempotent:
    support: full
  platform:
    support: full
    platforms: controller
    details:
      - The module runs on the Ansible controller and writes files there.
seealso:
  - module: powervm.lpm.lpar_migration
  - module: powervm.lpm.maintenance_window
author:
  - powervm.lpm maintainers (@powervm-lpm)
"""

EXAMPLES = r"""
- name: Write the reports of the evacuation from its journal
  powervm.lpm.evacuation_report:
    src: /var/lib/lpm/journal-p750.jsonl
    dest: reports/p750

- name: Write only the HTML page of a record built by the playbook
  powervm.lpm.evacuation_report:
    record:
      source_system: p750-Server-8233-E8B-SN069348P
      targets: [p740-Server-8205-E6B-SN10934CP]
      started: "{{ evacuation_started }}"
      ended: "{{ now(utc=true).strftime('%Y-%m-%dT%H:%M:%SZ') }}"
      plan: "{{ evacuation_plan }}"
      migrations: "{{ migration.results }}"
    dest: "{{ window.report_dir }}"
    formats: [html]
"""

RETURN = r"""
paths:
  description: The report files by format (those that would be written, in check mode).
  returned: success
  type: dict
  sample:
    json: reports/p750/evacuation-p750-Server-8233-E8B-SN069348P-20260314T210005Z.json
    markdown: reports/p750/evacuation-p750-Server-8233-E8B-SN069348P-20260314T210005Z.md
    html: reports/p750/evacuation-p750-Server-8233-E8B-SN069348P-20260314T210005Z.html
written:
  description: The formats whose file was written because its content changed (would change, in check mode).
  returned: success
  type: list
  elements: str
  sample: [json, markdown, html]
summary:
  description: The headline figures of the report.
  returned: success
  type: dict
  contains:
    moved:
      description: Migrations that moved their partition.
      type: int
    failed:
      description: Migrations that failed, recovered ones included.
      type: int
    recovered:
      description: Failed migrations that were recovered.
      type: int
    skipped:
      description: Migrations that were not started.
      type: int
    left:
      description: Partitions still on the source system at the end.
      type: int
    unmovable:
      description: Partitions the planner could place nowhere.
      type: int
    makespan_seconds:
      description: From the first migration's start to the last one's end.
      type: float
    predicted_seconds:
      description: The plan's predicted makespan.
      type: float
    lower_bound_seconds:
      description: The plan's lower bound on the makespan.
      type: float
  sample: {"moved": 8, "failed": 1, "recovered": 0, "skipped": 1, "left": 5, "unmovable": 2,
           "makespan_seconds": 572.4, "predicted_seconds": 560.0, "lower_bound_seconds": 410.0}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.powervm.lpm.plugins.module_utils._data_check import DataError
from ansible_collections.powervm.lpm.plugins.module_utils._report_render import FORMATS, load_record, write_reports
from ansible_collections.powervm.lpm.plugins.module_utils._report_summary import summarise
from ansible_collections.powervm.lpm.plugins.module_utils._report_types import MOVED, RECOVERED, SKIPPED

OPTIONS = {
    "record": {"type": "dict"},
    "src": {"type": "path"},
    "dest": {"type": "path", "required": True},
    "basename": {"type": "str"},
    "formats": {"type": "list", "elements": "str", "choices": list(FORMATS), "default": list(FORMATS)},
}


def main() -> None:
    module = AnsibleModule(
        argument_spec=OPTIONS,
        supports_check_mode=True,
        mutually_exclusive=[["record", "src"]],
        required_one_of=[["record", "src"]],
    )
    p = module.params
    try:
        record = load_record(p["record"], p["src"])
        written = write_reports(record, p["dest"], p["basename"], p["formats"], module.check_mode)
    except DataError as exc:
        module.fail_json(msg=f"the evacuation record is not valid: {exc}", problems=exc.problems)
    except (OSError, ValueError) as exc:
        module.fail_json(msg=f"cannot write the evacuation report: {exc}")
    s = summarise(record)
    summary = {
        "moved": s.counts[MOVED],
        "failed": s.failed,
        "recovered": s.counts[RECOVERED],
        "skipped": s.counts[SKIPPED],
        "left": s.still_on_source,
        "unmovable": s.unmovable,
        "makespan_seconds": s.makespan,
        "predicted_seconds": s.predicted,
        "lower_bound_seconds": s.lb,
    }
    module.exit_json(changed=bool(written.changed), paths=written.paths, written=written.changed, summary=summary)


if __name__ == "__main__":
    main()
