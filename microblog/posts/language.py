"""The language a post is written in, detected offline when it is written (as the tutorial does)."""

from __future__ import annotations

import threading

MIN_LETTERS = 12  # shorter texts are guessed at random: store no language
MIN_PROBABILITY = 0.90  # langdetect's confidence below which we store no language
_lock = threading.Lock()


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code (`en`, `es`, `zh-cn`...) of `text`, or None when it is too short or unsure."""
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return None
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    with _lock:  # the factory loads its profiles once; the seed makes the guess repeatable
        DetectorFactory.seed = 0
        try:
            guesses = detect_langs(text)
        except LangDetectException:
            return None
    best = guesses[0] if guesses else None
    if best is None or best.prob < MIN_PROBABILITY:
        return None
    return best.lang[:8]
