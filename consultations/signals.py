"""Signals other apps may listen to (the group pages recompute their summaries)."""

from django.dispatch import Signal

# Sent after a partner upload stored stories in bulk (bulk inserts send no post_save).
submissions_imported = Signal()
