"""Signal receivers of the analysis app."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def remove_prepared_cache(sender, instance, **kwargs) -> None:
    """A deleted dataset leaves no Parquet cache of its file behind (analysis.prepared)."""
    from analysis.services import dataset_cache_remove

    try:
        dataset_cache_remove(instance)
    except OSError:
        logger.warning("could not remove the survey cache of dataset %s", instance.pk)
