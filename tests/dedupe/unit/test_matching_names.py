"""One person's name in Chinese characters and in pinyin: same blocking key, compared equal."""

from __future__ import annotations

import numpy as np

from leadflow.dedupe.engine.columns import build_table
from leadflow.dedupe.engine.compare import compare
from leadflow.dedupe.kinds import MatchConfig

FORMS = ["郭秀英", "Xiuying Guo", "Guo Xiuying", "GUŌ Xiùyīng", "Ｘｉｕｙｉｎｇ　Ｇｕｏ"]


def _table(names: list[str]):  # type: ignore[no-untyped-def]
    return build_table({"full_name": names}, MatchConfig.of({"full_name": "name"}))


def test_every_form_of_one_chinese_name_shares_the_blocking_key_and_compares_exact() -> None:
    column = _table(FORMS + ["郭秀兰", "Xiulan Guo"]).columns["full_name"]
    keys = column.derived["phonetic"]
    assert len({keys.values[keys.codes[k]] for k in range(len(FORMS))}) == 1
    left, right = np.zeros(len(FORMS) - 1, np.int64), np.arange(1, len(FORMS), dtype=np.int64)
    assert compare(column, left, right).tolist() == [3] * (len(FORMS) - 1)  # the "exact" level
    other = compare(column, np.array([0, 0]), np.array([5, 6])).tolist()
    assert all(level < 3 for level in other)  # another given name is not the same name


def test_traditional_and_simplified_are_one_name_and_homophones_stay_a_level_below() -> None:
    column = _table(["張偉", "张伟", "章伟", "Zhang Wei"]).columns["full_name"]
    levels = compare(column, np.array([0, 0, 0]), np.array([1, 2, 3])).tolist()
    assert levels == [3, 2, 3]  # same characters; same sound, other characters; its pinyin
