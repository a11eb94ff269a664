"""A Zoom attendee report lists the host first; the attendees' header is the one to use."""

from __future__ import annotations

from pathlib import Path

from leadflow.ingest.sources import open_source

REPORT = """Attendee Report
Report Generated:,"Nov 9, 2026 10:02 AM"
Topic,Webinar ID,Actual Start Time,Actual Duration (minutes),# Registered,# Cancelled,Unique Viewers
Routing leads right,812 3456 7890,"Nov 9, 2026 09:00 AM",61,120,3,88

Host Details
Attended,User Name (Original Name),Email,Join Time,Leave Time,Time in Session (minutes)
Yes,Ada Host,ada.host@leadflow.example,"Nov 9, 2026 08:55 AM","Nov 9, 2026 10:01 AM",66

Panelist Details
Attended,User Name (Original Name),Email,Join Time,Leave Time,Time in Session (minutes)
Yes,Pan Elist,pan@leadflow.example,"Nov 9, 2026 08:58 AM","Nov 9, 2026 10:00 AM",62

Attendee Details
Attended,First Name,Last Name,Email,Registration Time,Time in Session (minutes),Country/Region Name
Yes,Grace,Hopper,grace@navy.example,"Oct 30, 2026 12:00 PM",58,United States
No,Alan,Turing,alan@bletchley.example,"Oct 31, 2026 09:00 AM",0,United Kingdom
"""


def test_the_attendee_header_is_chosen_over_the_host_header(tmp_path: Path) -> None:
    path = tmp_path / "zoom.csv"
    path.write_text(REPORT, encoding="utf-8")
    with open_source(path) as (info, rows):
        emails = [row.values[3] for row in rows if row.values and len(row.values) > 3]
    assert "First Name" in info.headers and info.header_line == 15
    assert emails == ["grace@navy.example", "alan@bletchley.example"]
