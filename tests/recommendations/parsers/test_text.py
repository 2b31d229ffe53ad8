"""Shared conversions: sanitising, paragraph numbers, SDG labels, cycles, dates, states."""

import datetime

import pytest

from recommendations.parsers import (
    paragraph_number,
    parse_sdg_labels,
    recommending_states,
    sanitise_html,
    upr_cycle_for_session,
)
from recommendations.parsers.text import normalise_position, parse_date
from recommendations.parsers.upr_matrix import _report_symbol, _title_facts


@pytest.mark.parametrize(
    ("html", "safe", "plain"),
    [
        ("<p>a &amp; b&#8217;s&nbsp;c</p>", "<p>a &amp; b’s&nbsp;c</p>", "a & b’s c"),
        ("<b>bold</b> <i>it</i>", "<strong>bold</strong> <em>it</em>", "bold it"),
        ("x<script>alert(1)</script><style>p{}</style>y", "xy", "xy"),
        ('<a href="javascript:alert(1)" onclick="x">j</a>', '<a rel="noopener noreferrer">j</a>',
         "j"),
        ('<a href="/relative">r</a>', '<a rel="noopener noreferrer">r</a>', "r"),
        ('<a href="http://x.org/a?b=1&amp;c=2" title="t">h</a>',
         '<a href="http://x.org/a?b=1&amp;c=2" rel="noopener noreferrer">h</a>', "h"),
        ('<span style="color:red">s</span><img src=x onerror=alert(1)>', "s", "s"),
        ("<ul><li>one</li><li>two</li></ul>", "<ul><li>one</li><li>two</li></ul>", "one\ntwo"),
        ("<p>one</p>\n\n<p>  two   three </p>", "<p>one</p>\n\n<p>  two   three </p>",
         "one\ntwo three"),
        ("line<br>break", "line<br>break", "line\nbreak"),
        ("double &amp;#8217; &amp;nbsp;escaped", "double ’ &nbsp;escaped", "double ’ escaped"),
        ("", "", ""),
    ],
)  # fmt: skip
def test_sanitise_html(html, safe, plain):
    assert sanitise_html(html) == (safe, plain)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("136.1 Ratify the Convention", "136.1"),
        ("4.The Committee is concerned", "4"),
        ("4. The Committee is concerned", "4"),
        ("28.4 Continue working", "28.4"),
        ("  12) Ensure", "12"),
        ("7.2.Ensure", "7.2"),
        ("The Committee notes", ""),
        ("2030 Agenda for Sustainable Development", ""),
        ("136.1", ""),
        ("", ""),
    ],
)
def test_paragraph_number(text, number):
    assert paragraph_number(text) == number


def test_parse_sdg_labels():
    labels = [
        "16 - PEACE, JUSTICE AND STRONG INSTITUTIONS",
        "16.2 - Protect children from abuse…",
        "4.1 - Ensure that all girls and boys complete…",
        "16.a - Strengthen relevant national institutions…",
        "16.10 - Ensure public access to information…",
        "- 5 - GENDER EQUALITY",
        "S04 SDG 4 - education",
        "SDG 8",
        "S Sustainable Development Goal implementation",
        "18 - not a goal",
        "Right to education",
    ]
    assert parse_sdg_labels(labels) == (
        (4, 5, 8, 16),
        ("4.1", "16.2", "16.10", "16.a"),
    )


@pytest.mark.parametrize(
    ("session", "cycle"),
    [(1, 1), (12, 1), (13, 2), (26, 2), (27, 3), (31, 3), (40, 3), (41, 4), (54, 4), (55, 5),
     (0, None), (-3, None)],
)  # fmt: skip
def test_upr_cycle_for_session(session, cycle):
    assert upr_cycle_for_session(session) == cycle


@pytest.mark.parametrize(
    ("value", "position"),
    [("Supported", "Supported"), ("- Noted", "Noted"), ("supported / noted", "Supported/Noted"),
     (["Supported", "Noted"], "Supported/Noted"), (["- Supported"], "Supported"), (None, ""),
     ("", ""), ("Rejected", None), (["Supported", "Maybe"], None)],
)  # fmt: skip
def test_normalise_position(value, position):
    assert normalise_position(value) == position


@pytest.mark.parametrize(
    "value",
    ["2019-03-01", "2019-03-01 10:11:12", "2019-03-01T10:11:12Z", "- 2019-03-01", "01/03/2019",
     datetime.datetime(2019, 3, 1, 10), datetime.date(2019, 3, 1), 43525, 43525.5],
)  # fmt: skip
def test_parse_date(value):
    assert parse_date(value) == datetime.date(2019, 3, 1)


@pytest.mark.parametrize("value", ["soon", "2019-13-01", -5, True])
def test_parse_date_refuses(value):
    with pytest.raises(ValueError):
        parse_date(value)


@pytest.mark.parametrize(
    ("text", "states", "unknown"),
    [
        ("1.1 Do (New Zealand); Do more (Uruguay) (Mali);", ("New Zealand", "Uruguay", "Mali"),
         ()),
        ("1.2 Ratify (Bolivia (Plurinational State of)) (Iran (Islamic Republic of));",
         ("Bolivia (Plurinational State of)", "Iran (Islamic Republic of)"), ()),
        ("1.3 Plan (2016–2020) (Kyrgyzstan);", ("Kyrgyzstan",), ()),
        ("1.4 Per the principles (the Paris Principles) (Niger); Join (OP-CAT) (Guinea-Bissau).",
         ("Niger", "Guinea-Bissau"), ()),
        ("1.5 Adopt the law (No. 29) of 2014 (Timor-Leste)", ("Timor-Leste",), ()),
        ("1.6 Consider (Côte d'Ivoire); Consider (Côte d’Ivoire);",
         ("Côte d'Ivoire", "Côte d’Ivoire"), ()),
        ("1.7 Protect children (Freedonia);", ("Freedonia",), ("Freedonia",)),
        ("1.8 Protect (Mali), (Niger)", ("Niger",), ()),
        ("1.9 No state at all", (), ()),
        ("1.10 Unbalanced (Mali;", (), ()),
        ("1.11 Cooperate with (UNHCR) and (OHCHR) to help (Türkiye) (Turkey);",
         ("Türkiye", "Turkey"), ()),
    ],
)  # fmt: skip
def test_recommending_states(text, states, unknown):
    assert recommending_states(text) == (states, unknown)


@pytest.mark.parametrize(
    ("title", "facts"),
    [
        ("UPR of China (3rd Cycle – 31st session)\t\tThematic list", ("China", 3, 31)),
        ("UPR of Bolivia (Plurinational State of) (4th Cycle – 48th session)",
         ("Bolivia (Plurinational State of)", 4, 48)),
        ("UPR of Timor-Leste (2nd cycle - 26th session)", ("Timor-Leste", 2, 26)),
        ("UPR of Guinea-Bissau – 35th session", ("Guinea-Bissau", None, 35)),
        ("Thematic list of recommendations", ("", None, None)),
    ],
)  # fmt: skip
def test_title_facts(title, facts):
    assert _title_facts(title) == facts


@pytest.mark.parametrize(
    ("source", "symbol"),
    [("A/HRC/40/6/Add.1 - Para. 2", "A/HRC/40/6"), ("A/HRC/43/15 - Para 121", "A/HRC/43/15"),
     ("A/HRC/59/15/Add.1 - Para.3", "A/HRC/59/15"), ("A/HRC/40/6, para. 28", "A/HRC/40/6")],
)  # fmt: skip
def test_report_symbol(source, symbol):
    assert _report_symbol(source) == symbol
