# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.powervm.lpm.plugins.module_utils._migration_caps import SlotBook, SlotNeed
from ansible_collections.powervm.lpm.plugins.module_utils._migration_records import SystemCapacity

CAPS = {"S": SystemCapacity("S", 8, 0, 4, 0), "T": SystemCapacity("T", 8, 0, 4, 0)}
ACTIVE = SlotNeed(("S", "T"), "active")
INACTIVE = SlotNeed(("S", "T"), "inactive")


def _fill(book: SlotBook, need: SlotNeed) -> int:
    taken = 0
    while book.blocker(need) is None:
        book.take(need)
        taken += 1
    return taken


def test_user_cap():
    book = SlotBook(3, CAPS)
    assert _fill(book, ACTIVE) == 3
    assert "max_concurrent is 3" in book.blocker(ACTIVE)


def test_system_cap_counts_active_and_inactive_apart():
    book = SlotBook(100, CAPS)
    assert _fill(book, INACTIVE) == 4
    assert _fill(book, SlotNeed(("S", "T"), "suspended")) == 8
    assert "no free active migration slot" in book.blocker(ACTIVE)


def test_others_migrations_use_slots_on_source_and_target():
    caps = {"S": SystemCapacity("S", 8, 3, 4, 0), "T": SystemCapacity("T", 8, 6, 4, 0)}
    book = SlotBook(100, caps)
    assert _fill(book, ACTIVE) == 2
    assert "system T" in book.blocker(ACTIVE)


def test_attached_migrations_are_ours_not_others():
    caps = {"S": SystemCapacity("S", 8, 3, 4, 0), "T": SystemCapacity("T", 8, 3, 4, 0)}
    attached = [ACTIVE, ACTIVE, ACTIVE]
    book = SlotBook(100, caps, attached=attached)
    for need in attached:
        book.take(need)
    assert _fill(book, ACTIVE) == 5


def test_msp_cap():
    need = SlotNeed(("S", "T"), "active", (("S", "vio1"), ("T", "vio9")))
    other = SlotNeed(("S", "T"), "active", (("S", "vio2"),))
    book = SlotBook(100, CAPS, msp_limit=2)
    assert _fill(book, need) == 2
    assert "vio1 on S" in book.blocker(need)
    assert book.blocker(other) is None
    book.release(need)
    assert book.blocker(need) is None


def test_unknown_systems_have_no_cap_and_release_frees():
    book = SlotBook(2, {})
    assert _fill(book, ACTIVE) == 2
    book.release(ACTIVE)
    assert book.in_flight == 1 and book.blocker(ACTIVE) is None


def test_never_fits():
    book = SlotBook(4, {"S": SystemCapacity("S", 8, 8, 4, 0)})
    assert "migrations started elsewhere" in book.never_fits(ACTIVE)
    assert book.never_fits(INACTIVE) is None
