"""Template filters that turn stored codes into labels (see consultations/labels.py)."""

from django import template

from consultations import labels

register = template.Library()


@register.filter
def age_band_label(code):
    return labels.age_band_label(code)


@register.filter
def accommodation_labels(codes):
    return ", ".join(labels.accommodation_label(c) for c in codes or [])


@register.filter
def language_names(codes):
    return labels.language_names(codes)


@register.filter
def participant_sex_label(code):
    return str(labels.PARTICIPANT_SEX.get(code, code))


@register.filter
def mask_identifiers(text):
    """Phone numbers, e-mails, ID-like numbers and links replaced by a placeholder (the
    review list shows story excerpts to staff who have not opened the story yet)."""
    from consultations.privacy import redact

    return redact(text or "")


@register.filter
def stored_message(upload):
    """An upload's stored message (a refusal, reading notes) in the reader's language, else
    as stored."""
    from common.i18n import render_stored

    return render_stored(upload.message, upload.message_data)
