"""digest: release-notes aggregator and changelog translator for the Linux-HA stack."""

__version__ = "0.1.0"
