"""Fixtures shared by the upload tests."""

import pytest

from consultations.models import Instrument, Signifier

from .factories import consultation_objects


@pytest.fixture
def instrument(people, vocabularies):
    objs = consultation_objects(people)
    instrument = Instrument.objects.create(campaign=objs.campaign, name="Kobo form")
    Signifier.objects.create(
        instrument=instrument,
        key="triad_1",
        kind="triad",
        labels=[{"en": "Money"}, {"en": "Family"}, {"en": "Luck"}],
    )
    Signifier.objects.create(
        instrument=instrument, key="dyad_1", kind="dyad", labels=[{"en": "Worse"}, {"en": "Better"}]
    )
    return instrument
