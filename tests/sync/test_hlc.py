"""The hybrid logical clock: string contract, monotonicity, skew correction, admission."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from sync.hlc import (
    MAX_COUNTER,
    SERVER_NODE,
    HybridLogicalClock,
    Timestamp,
    admit_hlc,
    format_hlc,
    is_server_node,
    parse_hlc,
    system_now_ms,
    validate_device_node,
    validate_node,
)

DAY_MS = 86_400_000
YEAR_MS = 365 * DAY_MS
NOW = 1_750_000_000_000

walls = st.integers(min_value=0, max_value=10**15 - 1)
counters = st.integers(min_value=0, max_value=MAX_COUNTER)
nodes = st.from_regex(r"[A-Za-z0-9._-]{1,64}", fullmatch=True).filter(lambda n: not is_server_node(n))
# "server" in every mix of upper and lower case.
server_nodes = st.lists(st.booleans(), min_size=len(SERVER_NODE), max_size=len(SERVER_NODE)).map(
    lambda upper: "".join(c.upper() if u else c for c, u in zip(SERVER_NODE, upper))
)


class FakeTime:
    """A settable wall clock in milliseconds."""

    def __init__(self, ms: int = NOW) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


@given(walls, counters, nodes)
def test_format_and_parse_round_trip(wall, counter, node):
    text = format_hlc(wall, counter, node)
    assert len(text.split(":")[0]) == 15 and len(text.split(":")[1]) == 5
    assert parse_hlc(text) == Timestamp(wall, counter, node)


@given(walls, counters, nodes, walls, counters, nodes)
def test_string_order_is_hlc_order(w1, c1, n1, w2, c2, n2):
    a, b = format_hlc(w1, c1, n1), format_hlc(w2, c2, n2)
    assert (a < b) == ((w1, c1, n1) < (w2, c2, n2))


VECTORS = json.loads((Path(__file__).resolve().parent.parent / "fixtures" / "hlc_vectors.json").read_text("utf-8"))


@pytest.mark.parametrize("vector", VECTORS["round_trip"], ids=lambda v: v["text"])
def test_shared_vectors_round_trip(vector):
    assert format_hlc(vector["wall"], vector["counter"], vector["node"]) == vector["text"]
    assert parse_hlc(vector["text"]) == Timestamp(vector["wall"], vector["counter"], vector["node"])


@pytest.mark.parametrize("earlier, later", VECTORS["ordered"])
def test_shared_vectors_order_as_strings(earlier, later):
    assert earlier < later and parse_hlc(earlier) < parse_hlc(later)


@pytest.mark.parametrize("bad", [*VECTORS["invalid_strings"], *VECTORS["invalid_non_strings"],
                                 b"000000000000001:00000:dev"])
def test_parse_rejects_anything_malformed_with_a_value_error(bad):
    with pytest.raises(ValueError, match="HLC"):
        parse_hlc(bad)


@pytest.mark.parametrize("wall, counter, node", [*map(tuple, VECTORS["unformattable"]), (True, 0, "d")])
def test_format_rejects_out_of_range_parts(wall, counter, node):
    with pytest.raises(ValueError):
        format_hlc(wall, counter, node)


@pytest.mark.parametrize("stamp", VECTORS["reserved_device_stamps"])
def test_a_device_stamp_may_not_name_the_server(stamp):
    with pytest.raises(ValueError, match="HLC"):
        parse_hlc(stamp)
    assert parse_hlc(stamp, allow_server=True).node == stamp.rsplit(":", 1)[1]


def test_clock_rejects_a_node_with_a_colon():
    with pytest.raises(ValueError):
        HybridLogicalClock("dev:1")


def test_send_uses_physical_time_and_counts_within_a_millisecond():
    now = FakeTime()
    clock = HybridLogicalClock("phone", now_ms=now)
    assert clock.send() == format_hlc(NOW, 0, "phone")
    assert clock.send() == format_hlc(NOW, 1, "phone")
    now.ms += 5
    assert clock.send() == format_hlc(NOW + 5, 0, "phone")
    assert clock.last == format_hlc(NOW + 5, 0, "phone")


@given(st.lists(st.integers(min_value=-DAY_MS, max_value=DAY_MS), min_size=1, max_size=50))
def test_send_is_strictly_increasing_even_when_the_wall_clock_jumps_back(jumps):
    now = FakeTime()
    clock = HybridLogicalClock("phone", now_ms=now)
    previous = clock.send()
    for jump in jumps:
        now.ms = max(0, now.ms + jump)
        stamp = clock.send()
        assert stamp > previous
        previous = stamp


def test_counter_overflow_moves_to_the_next_millisecond():
    clock = HybridLogicalClock("phone", now_ms=FakeTime(), last=format_hlc(NOW, MAX_COUNTER, "phone"))
    assert clock.send() == format_hlc(NOW + 1, 0, "phone")


@given(
    st.integers(min_value=-YEAR_MS, max_value=YEAR_MS),
    st.integers(min_value=-YEAR_MS, max_value=YEAR_MS),
    counters,
)
def test_receive_orders_after_both_the_remote_and_everything_local(local_skew, remote_skew, counter):
    clock = HybridLogicalClock("phone", now_ms=FakeTime(NOW + local_skew))
    before = clock.send()
    remote = format_hlc(NOW + remote_skew, counter, "server")
    after = clock.receive(remote)
    assert after > before
    assert parse_hlc(after)[:2] > parse_hlc(remote, allow_server=True)[:2]
    assert clock.send() > after


def test_receive_follows_the_standard_hlc_rules():
    clock = HybridLogicalClock("a", now_ms=FakeTime(NOW), last=format_hlc(NOW + 10, 3, "a"))
    assert clock.receive(format_hlc(NOW + 10, 7, "b")) == format_hlc(NOW + 10, 8, "a")
    assert clock.receive(format_hlc(NOW + 20, 2, "b")) == format_hlc(NOW + 20, 3, "a")
    assert clock.receive(format_hlc(NOW + 5, 9, "b")) == format_hlc(NOW + 20, 4, "a")
    fresh = HybridLogicalClock("a", now_ms=FakeTime(NOW + 100))
    assert fresh.receive(format_hlc(NOW, 9, "b")) == format_hlc(NOW + 100, 0, "a")


@pytest.mark.parametrize("skew", [YEAR_MS, -3 * DAY_MS])
def test_observing_the_server_corrects_a_phone_clock_that_is_far_off(skew):
    now = FakeTime(NOW + skew)
    clock = HybridLogicalClock("phone", now_ms=now)
    clock.observe_server(format_hlc(NOW, 0, "server"))
    assert clock.offset_ms == -skew
    now.ms += 60_000  # a minute later on the phone
    assert clock.physical_ms() == NOW + 60_000


def test_an_edit_after_observing_the_server_is_ordered_after_it_however_slow_the_phone():
    clock = HybridLogicalClock("phone", now_ms=FakeTime(NOW - 3 * DAY_MS))
    server_hlc = format_hlc(NOW, 42, "server")
    clock.observe_server(server_hlc)
    assert clock.send() > server_hlc


def test_a_phone_that_ran_a_year_ahead_keeps_its_timestamps_monotonic_unless_rebased():
    clock = HybridLogicalClock("phone", now_ms=FakeTime(NOW + YEAR_MS))
    ahead = clock.send()
    clock.observe_server(format_hlc(NOW, 0, "server"))
    assert clock.send() > ahead  # the default never goes back

    clock.observe_server(format_hlc(NOW + 10, 0, "server"), rebase_ahead_ms=3_600_000)
    stamp = parse_hlc(clock.send())
    assert NOW + 10 <= stamp.wall_ms < NOW + 1000


def test_rebase_leaves_a_clock_alone_when_it_is_only_slightly_ahead():
    clock = HybridLogicalClock("phone", now_ms=FakeTime(NOW + 2000))
    ahead = clock.send()
    clock.observe_server(format_hlc(NOW, 0, "server"), rebase_ahead_ms=3_600_000)
    assert clock.send() > ahead


def test_admit_keeps_a_timestamp_within_the_allowed_lead():
    server = HybridLogicalClock("server", now_ms=FakeTime())
    remote = format_hlc(NOW + 4000, 0, "phone")
    assert admit_hlc(remote, server, max_ahead_ms=5000) == (remote, False)
    assert server.last > remote


def test_admit_restamps_a_timestamp_too_far_ahead_keeping_the_remote_node():
    server = HybridLogicalClock("server", now_ms=FakeTime())
    earlier = format_hlc(NOW + 100, 0, "tablet")
    admit_hlc(earlier, server, max_ahead_ms=5000)
    admitted, restamped = admit_hlc(format_hlc(NOW + YEAR_MS, 0, "phone"), server, max_ahead_ms=5000)
    assert restamped
    ts = parse_hlc(admitted)
    assert ts.node == "phone"
    assert admitted > earlier
    assert NOW <= ts.wall_ms <= NOW + 5000


@given(st.lists(st.tuples(st.integers(min_value=-YEAR_MS, max_value=YEAR_MS), st.integers(0, 1000)), max_size=30))
def test_the_server_clock_never_runs_ahead_by_more_than_the_allowed_lead(stamps):
    now = FakeTime()
    server = HybridLogicalClock("server", now_ms=now)
    for skew, elapsed in stamps:
        now.ms += elapsed
        remote = format_hlc(max(0, now.ms + skew), 0, "phone")
        admitted, _ = admit_hlc(remote, server, max_ahead_ms=5000)
        assert parse_hlc(admitted).wall_ms <= now.ms + 5000
        assert parse_hlc(server.last, allow_server=True).wall_ms <= now.ms + 5000


@given(
    st.integers(min_value=-YEAR_MS, max_value=YEAR_MS),
    st.lists(st.integers(min_value=0, max_value=10_000), min_size=2, max_size=20),
)
def test_a_devices_mutations_stay_in_order_when_admitted_in_order(skew, gaps):
    now = FakeTime()
    phone = HybridLogicalClock("phone", now_ms=lambda: now.ms + skew)
    server = HybridLogicalClock("server", now_ms=now)
    admitted = []
    for gap in gaps:
        now.ms += gap
        admitted.append(admit_hlc(phone.send(), server, max_ahead_ms=5000)[0])
    assert admitted == sorted(admitted) and len(set(admitted)) == len(admitted)


# The server's node name is reserved ----------------------------------------------------------


@given(walls, counters, server_nodes)
def test_a_device_stamp_naming_the_server_node_is_refused(wall, counter, node):
    stamp = format_hlc(wall, counter, node)
    with pytest.raises(ValueError, match="reserved"):
        parse_hlc(stamp)
    server = HybridLogicalClock(SERVER_NODE, now_ms=FakeTime())
    with pytest.raises(ValueError, match="reserved"):
        admit_hlc(stamp, server, max_ahead_ms=300_000)
    with pytest.raises(ValueError, match="reserved"):
        validate_device_node(node)


@given(walls, counters, st.sampled_from(["server1", "my-server", "servers", "serve", "server.", "_server", "srv"]))
def test_nodes_that_only_resemble_the_server_are_devices(wall, counter, node):
    stamp = format_hlc(wall, counter, node)
    assert parse_hlc(stamp).node == node
    assert admit_hlc(stamp, HybridLogicalClock(SERVER_NODE, now_ms=FakeTime(wall)), max_ahead_ms=300_000)[0] == stamp


@given(walls, counters)
def test_the_server_keeps_making_and_reading_its_own_stamps(wall, counter):
    own = format_hlc(wall, counter, SERVER_NODE)
    server = HybridLogicalClock(SERVER_NODE, now_ms=FakeTime(), last=own)
    stamp = server.send()
    assert stamp > own and parse_hlc(stamp, allow_server=True).node == SERVER_NODE
    admitted, _ = admit_hlc(format_hlc(NOW, 0, "phone-1"), server, max_ahead_ms=300_000)
    assert parse_hlc(admitted).node == "phone-1"
    phone = HybridLogicalClock("phone-1", now_ms=FakeTime(NOW - DAY_MS))
    phone.observe_server(server.send())
    assert phone.send() > server.last


def test_admit_keeps_a_timestamp_exactly_the_allowed_lead_ahead():
    server = HybridLogicalClock("server", now_ms=FakeTime())
    remote = format_hlc(NOW + 5000, 7, "phone")
    assert admit_hlc(remote, server, max_ahead_ms=5000) == (remote, False)


def test_admit_restamps_a_timestamp_one_millisecond_past_the_allowed_lead():
    server = HybridLogicalClock("server", now_ms=FakeTime())
    admitted, restamped = admit_hlc(format_hlc(NOW + 5001, 0, "phone"), server, max_ahead_ms=5000)
    assert restamped
    assert parse_hlc(admitted).wall_ms == NOW


def test_rebase_leaves_a_clock_exactly_the_allowed_lead_ahead_alone():
    clock = HybridLogicalClock("phone", now_ms=FakeTime(NOW), last=format_hlc(NOW + 3_600_000, 0, "phone"))
    clock.observe_server(format_hlc(NOW, 0, "server"), rebase_ahead_ms=3_600_000)
    assert parse_hlc(clock.send()).wall_ms == NOW + 3_600_000


def test_rebase_moves_a_clock_one_millisecond_past_the_allowed_lead_back_to_the_server():
    clock = HybridLogicalClock("phone", now_ms=FakeTime(NOW), last=format_hlc(NOW + 3_600_001, 0, "phone"))
    clock.observe_server(format_hlc(NOW, 0, "server"), rebase_ahead_ms=3_600_000)
    assert parse_hlc(clock.send()).wall_ms == NOW


def test_the_system_clock_reads_whole_milliseconds_since_the_epoch():
    with time_machine.travel(datetime(2026, 11, 22, 8, 0, 0, 123_456, tzinfo=timezone.utc), tick=False):
        assert system_now_ms() == 1_795_334_400_123


def test_a_clock_set_before_the_epoch_stamps_from_zero():
    clock = HybridLogicalClock("phone", now_ms=FakeTime(5), offset_ms=-1_000)
    assert clock.send() == format_hlc(0, 0, "phone")


def test_the_last_counter_value_stays_in_its_millisecond():
    clock = HybridLogicalClock("phone", now_ms=FakeTime(NOW), last=format_hlc(NOW, MAX_COUNTER - 1, "phone"))
    assert clock.send() == format_hlc(NOW, MAX_COUNTER, "phone")
    assert clock.send() == format_hlc(NOW + 1, 0, "phone")


def test_a_clock_restored_to_a_later_stamp_stamps_after_it():
    """What a phone does on restart when its saved stamp is ahead of the clock it rebuilt."""
    clock = HybridLogicalClock("phone", now_ms=FakeTime(NOW))
    clock.send()
    clock.last = format_hlc(NOW + 1000, 5, "phone")
    assert clock.send() == format_hlc(NOW + 1000, 6, "phone")


@pytest.mark.parametrize(
    "wall, counter, message",
    [
        (-1, 0, "HLC wall_ms -1 is outside 0..999999999999999"),
        (10**15, 0, "HLC wall_ms 1000000000000000 is outside 0..999999999999999"),
        (NOW, MAX_COUNTER + 1, "HLC counter 100000 is outside 0..99999"),
        ("1", 0, "HLC wall_ms must be an int, got str"),
        (NOW, True, "HLC counter must be an int, got bool"),
    ],
)
def test_a_stamp_out_of_range_is_refused_saying_which_part_and_why(wall, counter, message):
    with pytest.raises(ValueError) as refused:
        format_hlc(wall, counter, "phone")
    assert str(refused.value) == message


def test_a_bad_stamp_is_quoted_in_its_refusal_up_to_100_characters():
    long_bad = "9" * 150
    with pytest.raises(ValueError) as refused:
        parse_hlc(long_bad)
    assert str(refused.value).startswith(f"HLC {'9' * 100!r} is not '<15-digit wall ms>:")
    with pytest.raises(ValueError, match="^HLC must be a string, got int$"):
        parse_hlc(12)


def test_a_stamp_with_a_bad_node_is_quoted_in_its_refusal_up_to_100_characters():
    stamp = format_hlc(NOW, 0, "phone")[:-5] + "n" * 100
    with pytest.raises(ValueError) as refused:
        parse_hlc(stamp)
    assert str(refused.value).startswith(f"HLC {stamp[:100]!r}: HLC node ")


@pytest.mark.parametrize(
    "node, message",
    [
        (7, "HLC node must be a string, got int"),
        ("", "HLC node '' must be 1-64 characters of letters, digits, '-', '_' or '.'"),
        ("a b", "HLC node 'a b' must be 1-64 characters of letters, digits, '-', '_' or '.'"),
    ],
)
def test_a_bad_node_is_refused_saying_what_a_node_may_be(node, message):
    with pytest.raises(ValueError) as refused:
        validate_node(node)
    assert str(refused.value) == message


def test_a_huge_bad_node_is_quoted_only_in_part():
    node = "坏" * 5000
    with pytest.raises(ValueError) as refused:
        validate_node(node)
    assert str(refused.value) == f"HLC node {node[:100]!r} must be 1-64 characters of letters, digits, '-', '_' or '.'"
