"""A question typed in capitals is read in lower case; capitals that name something are kept."""

from __future__ import annotations

import pytest

from bot.engine.shouting import unshout


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("WIE ALT MUSS MAN FÜR LIVE SEIN", "wie alt muss man für live sein"),
        ("DSGVO FÜR VEREINE?", "dsgvo für vereine?"),
        ("WIE GROß DARF EIN VIDEO SEIN?", "wie groß darf ein video sein?"),  # "ß" has no everyday capital
        ("TIKTOK LIVE", "TIKTOK LIVE"),  # two words name something
        ("DSGVO?", "DSGVO?"),
        ("Was ist der CCPA?", "Was ist der CCPA?"),
        ("BRAUCHE ICH EIN IMPRESSUM, Z.B. FÜR 2 SHOPS?", "brauche ich ein impressum, z.b. für 2 shops?"),
    ],
)
def test_only_a_question_all_in_capitals_is_read_in_lower_case(typed: str, read: str) -> None:
    assert unshout(typed) == read
