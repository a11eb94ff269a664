"""How a staged file's batches are split into chunks (one flow run each)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from flows._chunks import split


def batches(n: int) -> list[tuple[int, int]]:
    return [(10 * i + 1, 10 * i + 10) for i in range(n)]


@given(st.integers(min_value=0, max_value=60), st.integers(min_value=1, max_value=12))
def test_chunks_cover_every_batch_once_in_order_with_sizes_one_apart(n, chunks):
    parts = split(batches(n), chunks)
    assert [b for part in parts for b in part] == batches(n)
    assert len(parts) == max(1, min(chunks, n))
    sizes = [len(part) for part in parts]
    assert max(sizes) - min(sizes) <= 1
    assert n == 0 or min(sizes) >= 1


def test_one_chunk_is_the_whole_file_in_this_process():
    assert split(batches(5), 1) == [batches(5)]
    assert split(batches(3), 8) == [[b] for b in batches(3)]
