"""The collector's pause around a report (``checks.engine.gc_paused``): what it leaves behind."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from jupyter_prod_ext.checks import engine
from jupyter_prod_ext.checks.engine import gc_paused


@pytest.fixture(autouse=True)
def _collected() -> Iterator[None]:
    """Every generation empty and counted from zero, so only the pause decides where objects go."""
    assert gc.isenabled()
    gc.collect()
    yield
    assert gc.isenabled()


def _oldest() -> set[int]:
    return {id(o) for o in gc.get_objects(generation=2)}


def test_what_a_large_pause_leaves_alive_goes_to_the_oldest_generation_unscanned() -> None:
    # CPython 3.12 starts with objects of its own frozen (static types' tuples), 3.13 does not promote: nothing moves
    promotes = engine.can_promote()
    frozen = gc.get_freeze_count()
    with gc_paused():
        assert not gc.isenabled()
        kept = [[i] for i in range(engine._PROMOTE_AT)]
    assert gc.get_freeze_count() == frozen
    oldest = _oldest()
    assert (id(kept[0]) in oldest and id(kept[-1]) in oldest) == promotes
    if promotes:
        assert gc.get_count()[0] < 1000  # no young collection is due to scan them


def test_a_small_pause_leaves_its_objects_young() -> None:
    with gc_paused():
        kept = [[1]]
    assert id(kept[0]) not in _oldest()


class _Node:
    other: _Node | None = None


def test_garbage_cycles_of_a_large_pause_are_still_collected() -> None:
    with gc_paused():
        a, b = _Node(), _Node()
        a.other, b.other = b, a  # a cycle only the collector can free
        probe = weakref.ref(a)
        del a, b
        kept = [[i] for i in range(engine._PROMOTE_AT)]
    gc.collect()
    assert probe() is None
    assert kept


def test_objects_the_process_froze_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with gc_paused():
            kept = [[i] for i in range(engine._PROMOTE_AT)]
        assert gc.get_freeze_count() == frozen
        assert id(kept[0]) not in _oldest()
    finally:
        gc.unfreeze()


def test_nested_pauses_promote_once_when_the_last_ends() -> None:
    promotes = engine.can_promote()
    with gc_paused():
        with gc_paused():
            kept = [[i] for i in range(engine._PROMOTE_AT)]
        assert not gc.isenabled()
        assert id(kept[0]) not in _oldest()
    assert (id(kept[0]) in _oldest()) == promotes
