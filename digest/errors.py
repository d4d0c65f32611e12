"""Exceptions raised by digest; the CLI turns them into one readable line."""


class DigestError(Exception):
    """Base class for every error digest reports to the user."""


class ConfigError(DigestError):
    """sources.yaml is missing, malformed or refers to something invalid."""


class FetchError(DigestError):
    """A source could not be fetched (network, git, HTTP)."""


class ParseError(DigestError):
    """Input could not be parsed; the message names the file/URL and line."""


class StoreError(DigestError):
    """The database could not be opened or written."""


class LockError(DigestError):
    """Another digest run holds the lock."""
