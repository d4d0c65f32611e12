"""The benchmark's chrF equals sacreBLEU's corpus_chrf (values computed with sacreBLEU 2.4)."""

from __future__ import annotations

import pytest

from bench.chrf import corpus_chrf


def test_scores_computed_by_sacrebleu() -> None:
    assert corpus_chrf(["修正しました"], ["修正しました。"]) == pytest.approx(77.57103344229319)
    hypotheses = ["crmd: fix the election timer", "cib を修正"]
    references = ["crmdのelectionタイマーを修正しました", "cibを修正しました"]
    assert corpus_chrf(hypotheses, references) == pytest.approx(36.256410584003454)


def test_bounds_and_spaces() -> None:
    assert corpus_chrf(["a b c d e f g"], ["abcdefg"]) == pytest.approx(100.0)
    assert corpus_chrf(["xyz"], ["abc"]) == 0.0
    assert corpus_chrf([""], [""]) == 0.0


def test_orders_missing_from_the_reference_do_not_count_against_the_hypothesis() -> None:
    # The reference has no bigrams: only unigrams are compared, as sacreBLEU does.
    precision, recall = 1 / 2, 1.0  # unigrams only; beta 2 weighs recall four times
    expected = 100 * 5 * precision * recall / (4 * precision + recall)
    assert corpus_chrf(["ab"], ["a"]) == pytest.approx(expected)
