# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Pure parsers for HMC and VIOS command output.

HMC records are CSV: a field holding the delimiter is wrapped in double quotes and list elements
that hold commas are quoted again inside it (doubled quotes). The stdlib csv reader undoes one
level at a time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcParseError

NO_RESULTS = "No results were found."
EMPTY_LIST_VALUES = frozenset({"", "none"})

# Slash-separated list element layouts: (required fields, optional trailing fields).
ELEMENT_GRAMMARS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "virtual_scsi_adapters": (("slot_num", "adapter_type", "remote_lpar_id", "remote_lpar_name", "remote_slot_num", "is_required"), ()),
    "virtual_fc_adapters": (
        ("slot_num", "adapter_type", "remote_lpar_id", "remote_lpar_name", "remote_slot_num", "wwpns", "is_required"),
        (),
    ),
    "virtual_eth_adapters": (
        ("slot_num", "ieee_virtual_eth", "port_vlan_id", "addl_vlan_ids", "is_trunk", "is_required"),
        ("vswitch", "mac_addr", "allowed_os_mac_addrs", "qos_priority"),
    ),
    "virtual_serial_adapters": (
        ("slot_num", "adapter_type", "supports_hmc", "remote_lpar_id", "remote_lpar_name", "remote_slot_num", "is_required"),
        (),
    ),
    "io_slots": (("drc_index", "iop_or_pool", "is_required"), ()),
    "lhea_logical_ports": (("adapter_id", "port_group", "phys_port", "logical_port", "allowed_vlans"), ()),
    "virtual_scsi_mappings": (("slot_num", "dest_vios_name", "dest_vios_id"), ("dest_vios_slot_num",)),
    "virtual_fc_mappings": (("slot_num", "dest_vios_name", "dest_vios_id"), ("dest_vios_slot_num", "dest_fc_port")),
}


def is_no_results(text: str) -> bool:
    """True when the HMC answered a query with its 'nothing matched' sentence."""
    return text.strip() == NO_RESULTS


def _records(text: str, delimiter: str) -> list[list[str]]:
    if is_no_results(text):
        return []
    reader = csv.reader(io.StringIO(text.strip("\n"), newline=""), delimiter=delimiter, strict=False)
    return [row for row in reader if row and any(field.strip() for field in row)]


def _to_dicts(rows: list[list[str]], fields: Sequence[str], delimiter: str) -> list[dict[str, str]]:
    for row in rows:
        if len(row) != len(fields):
            raise HmcParseError(f"expected {len(fields)} values ({delimiter.join(fields)}), got {len(row)}: {delimiter.join(row)!r}")
    return [dict(zip(fields, row)) for row in rows]


def parse_fields(text: str, fields: Sequence[str], delimiter: str = ",") -> list[dict[str, str]]:
    """Parse ``-F a,b,c`` output (values only) into one dict per record, keyed by ``fields``."""
    return _to_dicts(_records(text, delimiter), fields, delimiter)


def parse_fields_with_header(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    """Parse ``-F a,b --header`` output: the first record names the fields."""
    rows = _records(text, delimiter)
    return _to_dicts(rows[1:], rows[0], delimiter) if rows else []


def parse_attributes(text: str) -> list[dict[str, str]]:
    """Parse default ``attr=value,attr=value`` output (one record per line) into dicts."""
    result = []
    for row in _records(text, ","):
        record: dict[str, str] = {}
        for field in row:
            name, sep, value = field.partition("=")
            if not sep or not name:
                raise HmcParseError(f"not an attr=value pair: {field!r}")
            record[name] = value
        result.append(record)
    return result


def split_list(value: str) -> list[str]:
    """Split a list attribute value into elements; ``none`` and empty mean no elements."""
    if value.strip() in EMPTY_LIST_VALUES:
        return []
    rows = list(csv.reader(io.StringIO(value, newline=""), delimiter=",", strict=False))
    if len(rows) != 1:
        raise HmcParseError(f"list value spans several records: {value!r}")
    return rows[0]


def parse_element(attribute: str, element: str) -> dict[str, str]:
    """Split one slash-separated list element (see ELEMENT_GRAMMARS) into named fields."""
    if attribute not in ELEMENT_GRAMMARS:
        raise HmcParseError(f"no element grammar for {attribute}")
    required, optional = ELEMENT_GRAMMARS[attribute]
    parts = element.split("/")
    if len(parts) < len(required):
        raise HmcParseError(f"{attribute} element {element!r} has {len(parts)} fields, expected at least {len(required)}")
    names = required + optional
    record = dict(zip(names, parts))
    if len(parts) > len(names):
        record["extra"] = "/".join(parts[len(names):])
    return record


def parse_list_attribute(attribute: str, value: str) -> list[dict[str, str]]:
    """Split a list attribute (e.g. virtual_fc_adapters) and parse each element."""
    return [parse_element(attribute, element) for element in split_list(value)]


def parse_lsdev_attr(text: str) -> list[dict[str, str]]:
    """Parse the VIOS ``lsdev -dev X -attr`` table (attribute, value, description, user_settable).

    Columns are located from the header; a value wider than its column (seen for unique_id)
    pushes the description to the right, so the value ends at the first blank from the
    description column on. Tables whose columns do not line up are split on whitespace.
    """
    lines = [line.rstrip() for line in text.splitlines()]
    header_index = next((i for i, line in enumerate(lines) if line.split()[:2] == ["attribute", "value"]), None)
    if header_index is None:
        raise HmcParseError("lsdev -attr output has no 'attribute value' header")
    header = lines[header_index]
    value_col, desc_col = header.index("value"), header.find("description")
    body = [line for line in lines[header_index + 1:] if line.strip()]
    aligned = desc_col > value_col and all(len(line.split()[0]) < value_col and len(line) > desc_col for line in body)
    rows = []
    for line in body:
        tokens = line.split()
        if len(tokens) < 3:
            raise HmcParseError(f"short lsdev -attr line: {line!r}")
        if aligned:
            cut = desc_col - 1
            while cut < len(line) and not line[cut].isspace():
                cut += 1
            value, rest = line[value_col:cut].strip(), line[cut:].strip()
        else:
            value, rest = tokens[1], line.split(None, 2)[2]
        description = rest.rpartition(" ")[0].strip()
        rows.append({"attribute": tokens[0], "value": value, "description": description, "user_settable": tokens[-1]})
    return rows


def parse_lsdev_single_attr(text: str) -> str:
    """Parse ``lsdev -dev X -attr NAME``: a 'value' header, a blank line, then the value."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) != 2 or lines[0] != "value":
        raise HmcParseError(f"unexpected lsdev -attr NAME output: {text!r}")
    return lines[1]


def parse_table(text: str) -> list[dict[str, str]]:
    """Parse a whitespace-aligned VIOS table (lsdev -virtual, lsnports, lspv); the last column takes the rest."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = [name.lower() for name in lines[0].split()]
    rows = []
    for line in lines[1:]:
        parts = line.split(None, len(header) - 1)
        rows.append(dict(zip(header, parts + [""] * (len(header) - len(parts)))))
    return rows


@dataclass(frozen=True)
class MapRecord:
    """One line of ``lsmap ... -fmt``: adapter-level fields and repeated per-mapping groups."""

    fields: dict[str, str]
    groups: tuple[dict[str, str], ...]


def parse_lsmap_fmt(text: str, fields: Sequence[str], group_fields: Sequence[str] = (), delimiter: str = ":") -> list[MapRecord]:
    """Parse ``lsmap -fmt DELIM -field ...`` output.

    ``fields`` are the leading per-adapter fields, ``group_fields`` the fields repeated once per
    mapping (for example per virtual target device) at the end of the line.
    """
    records = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = line.split(delimiter)
        if len(parts) < len(fields):
            raise HmcParseError(f"lsmap line has {len(parts)} fields, expected at least {len(fields)}: {line!r}")
        head, rest = parts[:len(fields)], parts[len(fields):]
        size = len(group_fields)
        if (rest and not size) or (size and len(rest) % size):
            raise HmcParseError(f"lsmap line has {len(rest)} trailing fields, not groups of {size}: {line!r}")
        groups = tuple(dict(zip(group_fields, rest[i:i + size])) for i in range(0, len(rest), size)) if size else ()
        records.append(MapRecord(dict(zip(fields, head)), groups))
    return records
