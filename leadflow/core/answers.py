"""Yes/no answers as people write them: one parser for forms, files, CRM exports and reps."""

from __future__ import annotations

YES = {"yes", "y", "true", "1", "是", "有", "对"}
NO = {"no", "n", "false", "0", "否", "没有", "无", "不"}


def parse_answer(raw: object) -> bool | None:
    """yes/no as people write it (English, Chinese, 1/0); None when it is not an answer."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    return None
