"""The hybrid logical clock (HLC) that orders every write in Gridwalk.

An HLC timestamp is the string ``f"{wall_ms:015d}:{counter:05d}:{node}"``:
milliseconds since the epoch, a counter that orders events within the same
millisecond, and the node (the device id) that made it. Both numbers are
zero-padded to a fixed width, so comparing two timestamps as plain strings
compares them in HLC order; the node breaks ties, so no two devices ever emit
the same timestamp.

Phones have bad clocks. Two rules keep them from doing harm:

* **Clients follow the server.** Every push and pull answer carries the
  server's HLC; :meth:`HybridLogicalClock.observe_server` receives it (so an
  edit made after a pull is ordered after everything pulled) and sets the
  clock's ``offset_ms`` so that its physical time tracks the server's wall
  clock from then on. A phone whose clock is a year fast or days slow is
  corrected on every exchange. A clock whose last timestamp already ran far
  ahead of the server can also be *rebased* back to server time, which the
  reference client does only when none of its own stamped mutations is
  still waiting to be pushed.
* **The server bounds what it admits** (:func:`admit_hlc`). A mutation
  stamped more than ``max_ahead_ms`` ahead of the server's physical time is
  re-stamped with a fresh server timestamp that keeps the remote node.
  Otherwise a phone set a year ahead would win every future edit of every
  field it touched. Because the server then ``receive()``s the admitted
  value, its own clock never runs more than ``max_ahead_ms`` ahead of its
  physical time, and a re-stamped mutation is still ordered after everything
  the server admitted before it (so a device's later edit still beats its
  earlier one when both arrive in order).

The node name ``server`` (in any case) is the server's own: its clock stamps
the changes it makes itself (a ticket's follow-ups on its reports) with it.
A stamp from a device that names that node would pass for the server's, so
:func:`parse_hlc` refuses it unless told the stamp is the server's
(``allow_server=True``: a clock reading its own last stamp, a client reading
the server's HLC).

Nothing here reads the system clock except through the injectable
``now_ms`` callable.
"""

from __future__ import annotations

import re
import time
from typing import Callable, NamedTuple

WALL_DIGITS = 15
COUNTER_DIGITS = 5
MAX_WALL_MS = 10**WALL_DIGITS - 1
MAX_COUNTER = 10**COUNTER_DIGITS - 1
MAX_NODE_LENGTH = 64
SERVER_NODE = "server"

_NODE_RE = re.compile(r"[A-Za-z0-9._-]{1,%d}" % MAX_NODE_LENGTH)
_HLC_RE = re.compile(r"([0-9]{%d}):([0-9]{%d}):(.*)" % (WALL_DIGITS, COUNTER_DIGITS), re.DOTALL)


class Timestamp(NamedTuple):
    """A parsed HLC timestamp."""

    wall_ms: int
    counter: int
    node: str


def system_now_ms() -> int:
    """Milliseconds since the epoch from the system clock."""
    return time.time_ns() // 1_000_000


def validate_node(node: object) -> str:
    """Return ``node`` if it is a valid HLC node (a device id), else raise ValueError."""
    if not isinstance(node, str):
        raise ValueError(f"HLC node must be a string, got {type(node).__name__}")
    if not _NODE_RE.fullmatch(node):
        raise ValueError(
            f"HLC node {node[:100]!r} must be 1-{MAX_NODE_LENGTH} characters of "
            "letters, digits, '-', '_' or '.'"
        )
    return node


def is_server_node(node: str) -> bool:
    """Whether ``node`` names the server's clock (``server`` in any case), which no device may use."""
    return node.lower() == SERVER_NODE


def validate_device_node(node: object) -> str:
    """:func:`validate_node` for a device's clock: also refuses the server's node name."""
    validate_node(node)
    if is_server_node(node):
        raise ValueError(f"HLC node {node!r} is reserved for the server's clock")
    return node


def format_hlc(wall_ms: int, counter: int, node: str) -> str:
    """Format an HLC timestamp; raises ValueError when a part is out of range."""
    for name, value, top in (("wall_ms", wall_ms, MAX_WALL_MS), ("counter", counter, MAX_COUNTER)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"HLC {name} must be an int, got {type(value).__name__}")
        if not 0 <= value <= top:
            raise ValueError(f"HLC {name} {value} is outside 0..{top}")
    validate_node(node)
    return f"{wall_ms:0{WALL_DIGITS}d}:{counter:0{COUNTER_DIGITS}d}:{node}"


def parse_hlc(s: object, *, allow_server: bool = False) -> Timestamp:
    """Parse a device's HLC string; raises ValueError saying what is wrong with it.

    A stamp of the server's node is refused unless ``allow_server`` (the
    caller knows the stamp is the server's own).
    """
    if not isinstance(s, str):
        raise ValueError(f"HLC must be a string, got {type(s).__name__}")
    match = _HLC_RE.fullmatch(s)
    if match is None:
        raise ValueError(
            f"HLC {s[:100]!r} is not '<{WALL_DIGITS}-digit wall ms>:"
            f"<{COUNTER_DIGITS}-digit counter>:<node>'"
        )
    wall, counter, node = match.groups()
    try:
        if allow_server:
            validate_node(node)
        else:
            validate_device_node(node)
    except ValueError as exc:
        raise ValueError(f"HLC {s[:100]!r}: {exc}") from None
    return Timestamp(int(wall), int(counter), node)


def _next(wall_ms: int, counter: int) -> tuple[int, int]:
    """``(wall_ms, counter)``, carrying a counter overflow into the next millisecond."""
    if counter > MAX_COUNTER:
        return wall_ms + 1, 0
    return wall_ms, counter


class HybridLogicalClock:
    """A hybrid logical clock for one node.

    ``last`` is the last timestamp this clock emitted or received (or None for
    a fresh clock); persist it together with ``offset_ms`` to keep the clock
    monotonic across restarts.
    """

    def __init__(
        self,
        node: str,
        *,
        now_ms: Callable[[], int] = system_now_ms,
        last: str | None = None,
        offset_ms: int = 0,
    ) -> None:
        self.node = validate_node(node)
        self.now_ms = now_ms
        if last is not None:
            parse_hlc(last, allow_server=True)
        self.last = last
        self._parsed: tuple[str, tuple[int, int]] | None = None
        self.offset_ms = int(offset_ms)

    def physical_ms(self) -> int:
        """This node's idea of the wall clock: ``now_ms() + offset_ms``, never negative."""
        return max(0, self.now_ms() + self.offset_ms)

    def _last(self) -> tuple[int, int]:
        if self.last is None:
            return -1, 0
        cached = self._parsed
        if cached is not None and cached[0] == self.last:
            return cached[1]
        ts = parse_hlc(self.last, allow_server=True)
        self._parsed = (self.last, (ts.wall_ms, ts.counter))
        return ts.wall_ms, ts.counter

    def _emit(self, wall_ms: int, counter: int) -> str:
        wall_ms, counter = _next(wall_ms, counter)
        self.last = format_hlc(wall_ms, counter, self.node)
        # `last` stays the public state; this saves re-parsing it on every event.
        self._parsed = (self.last, (wall_ms, counter))
        return self.last

    def send(self) -> str:
        """A timestamp for a new local event, greater than every one seen so far."""
        physical = self.physical_ms()
        last_wall, last_counter = self._last()
        if physical > last_wall:
            return self._emit(physical, 0)
        return self._emit(last_wall, last_counter + 1)

    def receive(self, remote: str) -> str:
        """Merge a timestamp from elsewhere; returns the new local timestamp.

        The server's own stamps are received too (a client receives them from
        every answer); what a device sends is checked by :func:`admit_hlc`.
        """
        return self.receive_parsed(parse_hlc(remote, allow_server=True))

    def receive_parsed(self, ts: Timestamp) -> str:
        """:meth:`receive` for a timestamp already parsed."""
        physical = self.physical_ms()
        last_wall, last_counter = self._last()
        wall = max(last_wall, ts.wall_ms, physical)
        if wall == last_wall and wall == ts.wall_ms:
            counter = max(last_counter, ts.counter) + 1
        elif wall == last_wall:
            counter = last_counter + 1
        elif wall == ts.wall_ms:
            counter = ts.counter + 1
        else:
            counter = 0
        return self._emit(wall, counter)

    def observe_server(self, server_hlc: str, *, rebase_ahead_ms: int | None = None) -> str:
        """Follow the server's clock: adopt its wall time as physical time, then receive it.

        With ``rebase_ahead_ms`` set, a clock whose ``last`` is more than that
        many milliseconds ahead of the server's HLC is moved back to the
        server's HLC first, so a phone that was once far ahead stops stamping
        the future. Rebasing gives up monotonicity against this node's own
        earlier timestamps: only do it when none of them is still waiting to
        be admitted by the server (the server re-stamped those that were too
        far ahead, and its HLC is past all it admitted).
        """
        ts = parse_hlc(server_hlc, allow_server=True)
        self.offset_ms = ts.wall_ms - self.now_ms()
        if rebase_ahead_ms is not None and self.last is not None:
            if parse_hlc(self.last, allow_server=True).wall_ms - ts.wall_ms > rebase_ahead_ms:
                self.last = None
        return self.receive(server_hlc)


def admit_hlc(remote: str, clock: HybridLogicalClock, *, max_ahead_ms: int) -> tuple[str, bool]:
    """Admit a mutation's HLC on the server: ``(hlc_to_store, was_restamped)``.

    A timestamp more than ``max_ahead_ms`` ahead of the server's physical time
    is replaced by a fresh server timestamp that keeps the remote node (so it
    stays attributable and unique per device). Either way the server clock
    receives the admitted value, so it never runs ahead by more than
    ``max_ahead_ms``. A stamp naming the server's node is refused
    (ValueError), like any malformed one.
    """
    ts = parse_hlc(remote)
    if ts.wall_ms - clock.physical_ms() > max_ahead_ms:
        fresh = parse_hlc(clock.send(), allow_server=True)
        admitted = format_hlc(fresh.wall_ms, fresh.counter, ts.node)
        clock.receive(admitted)
        return admitted, True
    clock.receive_parsed(ts)
    return remote, False
