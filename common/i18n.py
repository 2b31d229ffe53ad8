"""The Django edge of :mod:`common.messages`: a message built in pure Python (the partner
upload checks) shown in the language of the person reading the page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext

from .messages import Message, from_data


def render_message(text: str) -> str:
    """``text`` in the active language when it is a :class:`Message` whose template has a
    translation, else as it is (English)."""
    if not isinstance(text, Message):
        return str(text)
    params = {
        name: render_message(value) if isinstance(value, Message) else value
        for name, value in text.params.items()
    }
    try:
        return gettext(text.template) % params if params else gettext(text.template)
    except (KeyError, ValueError, TypeError):  # a damaged translation: the English text
        return str(text)


def render_messages(texts: Iterable[str]) -> list[str]:
    return [render_message(text) for text in texts]


def render_problems(problems: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Stored row problems (``{"row", "key", "reasons", "messages"?, …}``) with their reasons
    in the active language: each reason whose template was stored beside it
    (:func:`common.messages.message_data`) is translated, the others are shown as stored."""
    shown = []
    for problem in problems:
        reasons = list(problem.get("reasons") or [])
        data = list(problem.get("messages") or [])
        data += [None] * (len(reasons) - len(data))
        shown.append(
            {
                **problem,
                "reasons": [
                    render_message(from_data(text, item))
                    for text, item in zip(reasons, data, strict=False)
                ],
            }
        )
    return shown


def render_stored(text: str, data: Any) -> str:
    """A stored text in the active language. ``data`` is what was stored beside it: one
    message's template and parameters (``Message.data()``), or a list of them for a text made
    of several messages joined by spaces (:func:`common.messages.message_data`). A text stored
    without them (before they were kept, or not a :class:`Message`) is shown as stored."""
    items = [data] if isinstance(data, Mapping) else list(data or [])
    if not items or not all(isinstance(item, Mapping) for item in items):
        return text
    parts = [from_data("", item) for item in items]
    if not all(isinstance(part, Message) for part in parts):
        return text
    return " ".join(render_message(part) for part in parts)


def render_stored_list(texts: Iterable[str], data: Iterable[Any] | None) -> list[str]:
    """Stored texts (e.g. an import's warnings) each in the active language when its template
    was stored beside it (:func:`common.messages.message_data`), else as stored."""
    texts = list(texts)
    items = list(data or [])
    items += [None] * (len(texts) - len(items))
    return [render_stored(text, item) for text, item in zip(texts, items, strict=False)]
