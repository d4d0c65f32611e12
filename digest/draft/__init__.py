"""The monthly draft: select (store -> Digest), render (Digest -> Markdown), write (keep edits)."""
