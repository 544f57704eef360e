"""Curation of training speech: :mod:`~hush.data.curation.quality_scores` (DNSMOS scores of manifest records and
filtering on them) and :mod:`~hush.data.curation.targets` (classically cleaned training targets)."""
