"""bulk_collection: the collector tuned for the length of a block of bulk work, then put back;
cycles made inside it are still collected."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest

from leadflow.core.collector import YOUNG_THRESHOLD, bulk_collection


@pytest.fixture(autouse=True)
def collector_as_found() -> Iterator[None]:
    """Each test starts with nothing frozen (the web app's start-up freezes, and a test worker
    may have started it earlier), and the collector is left as it was found."""
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count() > 0
    gc.unfreeze()
    yield
    gc.set_threshold(*threshold)
    gc.unfreeze()
    if frozen:
        gc.freeze()


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_what_exists_is_frozen_and_the_young_threshold_raised_until_the_block_ends():
    before = gc.get_threshold()
    with bulk_collection():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (max(before[0], YOUNG_THRESHOLD), *before[1:])
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_an_inner_block_leaves_the_outer_one_as_it_was():
    before = gc.get_threshold()
    with bulk_collection():
        with bulk_collection():
            pass
        assert gc.get_freeze_count() > 0  # the inner block unfroze nothing
        assert gc.get_threshold()[0] == max(before[0], YOUNG_THRESHOLD)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_a_process_that_froze_objects_itself_keeps_them_frozen():
    before = gc.get_threshold()
    gc.freeze()
    with bulk_collection():
        assert gc.get_threshold()[0] == max(before[0], YOUNG_THRESHOLD)
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before


def test_automatic_collection_switched_off_stays_off():
    gc.set_threshold(0)
    with bulk_collection():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold()[0] == 0


def test_overlapping_blocks_in_two_threads_share_one_freeze_until_the_last_ends():
    before = gc.get_threshold()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    frozen_after_first: list[int] = []

    def second() -> None:
        first_in.wait()
        with bulk_collection():
            second_in.set()
            first_out.wait()
            frozen_after_first.append(gc.get_freeze_count())

    thread = threading.Thread(target=second)
    thread.start()
    with bulk_collection():
        first_in.set()
        second_in.wait()
    first_out.set()
    thread.join()
    assert frozen_after_first[0] > 0  # the first block's end unfroze nothing
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_an_error_in_the_block_still_puts_the_collector_back():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), bulk_collection():
        raise RuntimeError("a batch failed")
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_cycles_made_in_the_block_are_still_collected_without_being_asked():
    """Guards against a threshold so high (or the collector so far switched off) that a
    batch loop's cycles would pile up."""
    with bulk_collection():
        node = Node()
        alive = weakref.ref(node)
        del node
        assert alive() is not None  # a cycle: reference counting alone does not free it
        keep = [[] for _ in range(3 * YOUNG_THRESHOLD)]  # allocations enough for young passes
        assert alive() is None
        del keep
