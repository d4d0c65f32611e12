"""Which month a post digests, so its "この号で扱ったリリース" lists that month's releases only."""

from __future__ import annotations

from digest.posts import Post


def digest_month(post: Post) -> str:
    """The front matter's digest_month, else the month before publication (posted early on)."""
    if post.digest_month:
        return post.digest_month
    year, month = int(post.month[:4]), int(post.month[5:7])
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"
