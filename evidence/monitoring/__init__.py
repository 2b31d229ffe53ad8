"""Monitoring indicators of a group page (LNOB guide step 4): is each gap closing fast
enough? ``models`` (registered through ``evidence.models``), ``progress`` (pure arithmetic),
``services`` (writes with revisions), ``selectors`` (``indicators_for_group``), ``charts``."""
