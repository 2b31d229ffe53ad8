"""Person-readable labels for the codes stored on stories, focus groups and upload previews
(``35_49`` → "35–49", ``accessible_venue`` → "Accessible venue", "en, fr" → "English,
French"). Pages show these, never the stored code."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

AGE_BANDS = {
    "under_18": _("Under 18"),
    "18_24": "18–24",
    "25_34": "25–34",
    "35_49": "35–49",
    "50_64": "50–64",
    "65_plus": _("65 or older"),
    "prefer_not": _("Prefer not to say"),
    # Focus-group age columns
    "18_34": "18–34",
    "35_64": "35–64",
    "not_said": _("Not said"),
}
ACCOMMODATIONS = {
    "sign_language": _("Sign language"),
    "captioning": _("Captioning"),
    "easy_read": _("Easy-read materials"),
    "accessible_venue": _("Accessible venue"),
    "transport": _("Transport or allowance"),
}
PARTICIPANT_SEX = {
    "female": _("Women / girls"),
    "male": _("Men / boys"),
    "other": _("Other / not said"),
}
#: Field names of an upload preview row.
PREVIEW_FIELDS = {
    "story": _("Story"),
    "title": _("Title"),
    "consent": _("Consent"),
    "consent_uses": _("Agreed uses"),
    "date": _("Date"),
    "language": _("Language"),
    "location": _("Place"),
    "groups": _("Groups"),
    "age_band": _("Age"),
    "sex": _("Sex / gender"),
    "receipt_code": _("Receipt card"),
    "_key": _("Submission"),
}
PREVIEW_VALUES = {
    "analysis": _("analysis"),
    "quotation": _("quotation"),
    "publication": _("publication"),
    "none": _("none"),
    "prefer_not_to_say": _("Prefer not to say"),
    "prefer_not": _("Prefer not to say"),
    "female": _("Woman / female"),
    "male": _("Man / male"),
    "other": _("In another way"),
}


def _code_to_words(code: str) -> str:
    return code.replace("_", " ").strip().capitalize()


def age_band_label(code: str | None) -> str:
    if not code:
        return ""
    return str(AGE_BANDS.get(code, code.replace("_", "–") if code[:1].isdigit() else code))


def accommodation_label(code: str) -> str:
    return str(ACCOMMODATIONS.get(code, _code_to_words(code)))


def language_name(code: str) -> str:
    """A language code in the reader's language ("fr" → "French" / "français")."""
    code = (code or "").strip()
    names = dict(settings.LANGUAGES)
    if code in names:
        return str(names[code])
    try:
        return str(_(get_language_info(code)["name"]))
    except KeyError:
        return code


def language_names(codes) -> str:
    """["en", "fr"] or "en, fr" → "English, French" (free text stays as written)."""
    if isinstance(codes, str):
        parts = [p.strip() for p in codes.replace(";", ",").split(",") if p.strip()]
    else:
        parts = list(codes or [])
    return ", ".join(language_name(p) for p in parts)


def group_label(slug: str) -> str:
    from taxonomy.models import PopulationGroup

    group = PopulationGroup.objects.filter(slug=slug).only("name").first()
    return group.name if group else str(PREVIEW_VALUES.get(slug, _code_to_words(slug)))


def preview_value(key: str, value) -> str:
    """One value of an upload preview row, as a person reads it."""
    if isinstance(value, bool):
        if key == "receipt_code":
            return str(_("yes (code hidden)")) if value else str(_("no"))
        return str(_("yes")) if value else str(_("no"))
    if isinstance(value, list):
        if key == "triad" or (value and all(isinstance(v, (int, float)) for v in value)):
            return " / ".join(f"{round(float(v) * 100)}%" for v in value)
        items = [group_label(v) if key == "groups" else preview_value(key, v) for v in value]
        return ", ".join(items)
    if value is None:
        return "—"
    text = str(value)
    if key == "age_band":
        return age_band_label(text)
    if key == "language":
        return language_name(text)
    if key == "groups":
        return group_label(text)
    return str(PREVIEW_VALUES.get(text, text))


def preview_rows(preview: list[dict], labels: dict[str, str] | None = None) -> list[list]:
    """Upload preview rows as ``[(label, text), …]`` per row; ``labels`` names the
    instrument's own questions (signifier key → question)."""
    labels = labels or {}
    rows = []
    for row in preview:
        rows.append(
            [
                (
                    str(labels.get(k) or PREVIEW_FIELDS.get(k) or _code_to_words(k)),
                    preview_value(k, v),
                )
                for k, v in row.items()
            ]
        )
    return rows
