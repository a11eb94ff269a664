"""``array_text``: the text form PostgreSQL reads as an array, for ints and strings only."""

from __future__ import annotations

from leadflow.core.value_lists import array_text


def test_ints_and_strings_as_array_text() -> None:
    assert array_text([]) == "{}"
    assert array_text([3, -1, 10**12]) == "{3,-1,1000000000000}"
    assert array_text(["a", 'b"c', "d\\e", "", "NULL", "x,y{}"]) == (
        '{"a","b\\"c","d\\\\e","","NULL","x,y{}"}'
    )


def test_anything_else_is_left_to_the_driver() -> None:
    for values in ([1, "a"], ["a", None], [True, False], [1.5], [None]):
        assert array_text(values) is values
