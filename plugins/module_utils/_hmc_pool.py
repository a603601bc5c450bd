# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The SSH connections of one client to one HMC, and the channel slots of each.

An OpenSSH server allows ``MaxSessions`` (10 by default) session channels per connection and refuses
the next one (a channel open failure: connect failed, or administratively prohibited in older
releases). The pool holds as few connections as the commands running at once need: a command takes
a slot on the first connection with room, and only when every connection is full is another opened
(one at a time; the others wait for it or for a free slot). A connection on which the server refused
a channel is full at the number it has open, and connections opened afterwards start with the
largest number a refusal revealed.

The pool knows nothing of paramiko: ``opener`` returns a new transport (anything with
``is_active()`` and ``close()``), already checked and authenticated. A caller takes a slot
(``acquire``), opens its channel holding ``Link.opening`` if ``has_room`` still says so, tells the
pool (``channel_opened``, or ``mark_full`` when the server refused it) and gives the slot back
(``release``); ``closed_within`` tells whether a refusal may only be the server's delay in letting
a closed channel go.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(eq=False)
class Link:
    """One connection: its transport, how many channels it may hold, how many slots are taken
    (``busy``: channels open plus those being opened) and how many channels are open."""

    transport: Any
    number: int  # 1 for the first connection the pool opened, 2 for the next, ...
    limit: int
    busy: int = 0
    open: int = 0
    closed_at: float = 0.0  # time.monotonic() of the last channel closed on it
    # Channels are opened one at a time per connection (hold it around open_session()): paramiko keeps
    # the reason of a refused channel in one slot per transport, so two refusals at once could swap
    # their reasons or lose one; and a refusal lowers the limit before the next caller asks.
    opening: threading.Lock = field(default_factory=threading.Lock)


class ConnectionPool:
    """Thread-safe: ``acquire`` a slot on a connection (opening one when all are full), ``release`` it."""

    def __init__(self, opener: Callable[[], Any], per_connection: int) -> None:
        self._opener = opener
        self.per_connection = max(int(per_connection), 1)
        self._cond = threading.Condition()
        self._links: list[Link] = []
        self._opening = False
        self._learned: int | None = None
        # Connections opened so far, whatever became of them.
        self.opened = 0
        # Channels the server refused on a connection that had others open.
        self.refusals = 0

    @property
    def new_limit(self) -> int:
        """Channels a connection opened now may hold."""
        return self.per_connection if self._learned is None else min(self.per_connection, self._learned)

    def links(self) -> list[Link]:
        """The connections held now (a copy)."""
        with self._cond:
            return list(self._links)

    def acquire(self) -> Link:
        """A slot on a live connection with room; opens a connection when every one is full.

        Raises what ``opener`` raises when it cannot open one (the slot is not taken then).
        """
        found = self._take_or_wait()
        if found is not None:
            return found
        try:
            transport = self._opener()
        except BaseException:
            with self._cond:
                self._opening = False
                self._cond.notify_all()
            raise
        with self._cond:
            self._opening = False
            self.opened += 1
            link = Link(transport, self.opened, self.new_limit, busy=1)
            self._links.append(link)
            self._cond.notify_all()
            return link

    def has_room(self, link: Link) -> bool:
        """Whether a channel may be opened on ``link`` now (its limit may have dropped since ``acquire``)."""
        with self._cond:
            return link.open < link.limit

    def channel_opened(self, link: Link) -> None:
        """A channel was opened on the slot taken with ``acquire``."""
        with self._cond:
            link.open += 1

    def release(self, link: Link, was_open: bool = False) -> None:
        """Give back a slot taken with ``acquire``; ``was_open`` when its channel was opened."""
        with self._cond:
            link.busy = max(link.busy - 1, 0)
            if was_open:
                link.open = max(link.open - 1, 0)
                link.closed_at = time.monotonic()
            self._cond.notify_all()

    def closed_within(self, link: Link, seconds: float) -> bool:
        """Whether a channel on ``link`` was closed less than ``seconds`` ago (a server may not have let it go yet)."""
        with self._cond:
            return link.closed_at > 0 and time.monotonic() - link.closed_at < seconds

    def mark_full(self, link: Link) -> bool:
        """The server refused a channel on ``link``: it is full at the channels open on it. False
        (nothing changed) when none is open: then the refusal is not about their number."""
        with self._cond:
            if link.open < 1:
                return False
            link.limit = min(link.limit, link.open)
            self._learned = link.open if self._learned is None else max(self._learned, link.open)
            self.refusals += 1
            return True

    def drop(self, link: Link) -> None:
        """Forget a connection that was lost (its transport is closed)."""
        with self._cond:
            if link in self._links:
                self._links.remove(link)
            self._cond.notify_all()
        link.transport.close()

    def close(self) -> None:
        """Close every connection."""
        with self._cond:
            links, self._links = self._links, []
            self._cond.notify_all()
        for link in links:
            link.transport.close()

    def _take_or_wait(self) -> Link | None:
        """A slot on a connection with room, or None when the caller is to open a connection."""
        dead: list[Link] = []
        try:
            with self._cond:
                while True:
                    dead += [x for x in self._links if not x.transport.is_active()]
                    self._links = [x for x in self._links if x.transport.is_active()]
                    for link in self._links:
                        if link.busy < link.limit:
                            link.busy += 1
                            return link
                    if not self._opening:
                        self._opening = True
                        return None
                    self._cond.wait()
        finally:
            for link in dead:
                link.transport.close()
