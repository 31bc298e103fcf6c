"""timetag's relative time ("3 minutes ago") is Babel's format_timedelta, kept per unit and count
(microblog/formatting.py): the same text for every number of seconds, at every boundary, in both directions."""

from __future__ import annotations

import pytest
from babel import Locale
from babel.dates import format_timedelta

from microblog.formatting import _relative

BOUNDARIES = [0, 1, 60, 3600, 86400, 604800, 2592000, 31536000]


def seconds_to_try():
    for edge in BOUNDARIES:
        for offset in (-0.5, -0.49, -0.000001, 0, 0.000001, 0.49, 0.5, 0.51, 1):
            yield edge + offset
    for whole in range(0, 3 * 86400, 97):  # every unit and count of a few days, off the round numbers
        yield whole + (whole % 7) / 7
    for half in range(1, 50):  # the counts' rounding points: 1.5 minutes, 2.5 hours, ...
        yield (half + 0.5) * 60
        yield (half % 24 + 0.5) * 3600


@pytest.mark.parametrize("language", ["en", "es", "ar", "ja"])
def test_the_kept_relative_time_is_babels(language):
    locale = Locale.parse(language)
    for seconds in seconds_to_try():
        for signed in (seconds, -seconds):
            assert _relative(signed, locale) == format_timedelta(
                signed, add_direction=True, threshold=1.0, locale=locale
            ), signed
