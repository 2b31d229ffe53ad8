"""Signal receivers of the analysis app."""

from __future__ import annotations

import logging

from analysis.prepared import remove_cache

logger = logging.getLogger(__name__)


def remove_prepared_cache(sender, instance, **kwargs) -> None:
    """A deleted dataset leaves no Parquet cache of its file behind (analysis.prepared)."""
    if not instance.file:
        return
    try:
        remove_cache(instance.file.path)
    except OSError:
        logger.warning("could not remove the survey cache of dataset %s", instance.pk)
