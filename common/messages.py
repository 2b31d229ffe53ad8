"""Messages for a person, built where Django is not imported (``consultations.ingest``, the
parsers) and shown in the reader's language where they are displayed.

A :class:`Message` is the English text (a ``str``: it joins, compares, logs and serialises to
JSON as before) that also keeps its template and named parameters. The template is marked with
:func:`gettext_noop`, a local function of that name, so ``makemessages`` extracts it into the
catalogues; the Django edge (``common.i18n``) translates the template in the viewer's language
and fills in the parameters. A message stored by a worker keeps ``(template, params)`` beside
its English text (:func:`message_data`), so a French partner reads French even for rows that
were checked in the background.

Pure Python: no Django.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

#: What a stored message holds: its template and parameters (text or numbers only).
MessageData = dict[str, Any]


def gettext_noop(message: str) -> str:
    """Mark ``message`` for translation (``makemessages`` extracts calls by this name) and
    return it unchanged: it is translated where it is shown, not here."""
    return message


class Message(str):
    """The English text of ``template % params``, keeping the template and the parameters.

    ``template`` uses named placeholders (``%(field)s``), the form gettext catalogues check,
    and must be marked with :func:`gettext_noop` where it is written.
    """

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Message:
        self = super().__new__(cls, template % params if params else template)
        self.template = template
        self.params = dict(params)
        return self

    def __reduce__(self):  # pickled (a Celery result) as template and parameters
        return (_rebuild, (self.template, self.params))

    def data(self) -> MessageData:
        """Template and parameters, JSON-ready (a parameter that is a message itself, e.g.
        the reason a scale was refused, is stored the same way)."""
        return {
            "template": self.template,
            "params": {
                name: value.data() if isinstance(value, Message) else value
                for name, value in self.params.items()
            },
        }


def _rebuild(template: str, params: Mapping[str, Any]) -> Message:
    return Message(template, **params)


def _param(value: Any) -> Any:
    if isinstance(value, Mapping) and isinstance(value.get("template"), str):
        params = value.get("params") or {}
        return Message(value["template"], **{name: _param(item) for name, item in params.items()})
    return value


def message_data(
    items: Iterable[str], clean: Callable[[str], str] | None = None
) -> list[MessageData | None]:
    """What to store beside a list of English texts so they can be shown in another language:
    one entry per text, ``None`` for a text that is not a :class:`Message`. ``clean`` is
    applied to every text parameter, as it was to the stored text (e.g. the server's name of
    a file replaced by the name the person uploaded)."""
    return [_cleaned(item.data(), clean) if isinstance(item, Message) else None for item in items]


def _cleaned(data: MessageData, clean: Callable[[str], str] | None) -> MessageData:
    if clean is None:
        return data

    def value(item: Any) -> Any:
        if isinstance(item, str):
            return clean(item)
        if isinstance(item, Mapping) and isinstance(item.get("template"), str):
            return _cleaned(dict(item), clean)
        return item

    return {**data, "params": {name: value(item) for name, item in data["params"].items()}}


def from_data(text: str, data: Mapping[str, Any] | None) -> str:
    """A stored text as a :class:`Message` again when its template was stored, else the text."""
    if not data or not isinstance(data.get("template"), str):
        return text
    params = data.get("params") or {}
    try:
        return Message(data["template"], **{name: _param(value) for name, value in params.items()})
    except (KeyError, ValueError, TypeError):
        return text
