"""Corpus chrF as sacreBLEU computes it by default: character 1..6-grams, beta 2, no spaces."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

ORDER = 6
BETA = 2


def corpus_chrf(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """chrF (0..100) of the hypotheses against one reference each, statistics summed first."""
    stats = [[0, 0, 0] for _ in range(ORDER)]  # per order: hypothesis, reference, matching
    for hypothesis, reference in zip(hypotheses, references, strict=True):
        for n, counts in enumerate(stats, 1):
            hyp, ref = _ngrams(hypothesis, n), _ngrams(reference, n)
            counts[0] += hyp.total() if ref else 0  # as sacreBLEU: no reference n-grams, no count
            counts[1] += ref.total()
            counts[2] += (hyp & ref).total()
    precisions = [m / h for h, r, m in stats if h and r]
    recalls = [m / r for h, r, m in stats if h and r]
    if not precisions:
        return 0.0
    precision, recall = sum(precisions) / len(precisions), sum(recalls) / len(recalls)
    if not precision + recall:
        return 0.0
    weight = BETA**2
    return 100 * (1 + weight) * precision * recall / (weight * precision + recall)


def _ngrams(text: str, n: int) -> Counter[str]:
    squeezed = "".join(text.split())
    return Counter(squeezed[i : i + n] for i in range(len(squeezed) - n + 1))
