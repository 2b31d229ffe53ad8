"""Messages built without Django (common.messages) and shown in the reader's language
(common.i18n)."""

import json
import pickle

from django.utils import translation

from common.i18n import render_message, render_problems
from common.messages import Message, from_data, gettext_noop, message_data


def test_a_message_is_its_english_text_and_keeps_its_template():
    message = Message(gettext_noop("required field '%(field)s' is empty"), field="story")
    assert message == "required field 'story' is empty"
    assert "; ".join([message, "x"]) == "required field 'story' is empty; x"
    assert json.dumps([message]) == "[\"required field 'story' is empty\"]"
    assert message.data() == {
        "template": "required field '%(field)s' is empty",
        "params": {"field": "story"},
    }


def test_a_message_survives_storage_and_pickling_with_its_parameters():
    inner = Message(
        gettext_noop("the scale '%(scale)s' must go from a lower to a higher number"), scale="9-1"
    )
    outer = Message(gettext_noop("dyad '%(field)s': %(problem)s"), field="dyad_1", problem=inner)
    stored = json.loads(json.dumps(message_data([outer, "plain"])))
    assert stored[1] is None
    again = from_data(str(outer), stored[0])
    assert again == outer and again.params["problem"].template == inner.template
    assert pickle.loads(pickle.dumps(outer)).data() == outer.data()
    with translation.override("fr"):
        assert render_message(again) == (
            "dyade « dyad_1 » : l’échelle « 9-1 » doit aller d’un nombre plus petit à un "
            "nombre plus grand"
        )


def test_stored_problems_are_rendered_in_the_active_language():
    reason = Message(gettext_noop("unparseable date '%(value)s'"), value="31/02/2024")
    problems = [
        {
            "row": 4,
            "key": "k",
            "reasons": [reason, "kept"],
            "messages": message_data([reason, "kept"]),
        }
    ]
    stored = json.loads(json.dumps(problems))
    with translation.override("es"):
        (shown,) = render_problems(stored)
    assert shown["reasons"] == ["fecha ilegible: «31/02/2024»", "kept"]
    assert shown["row"] == 4
