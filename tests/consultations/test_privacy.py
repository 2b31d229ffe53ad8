"""Personal identifiers in stories, and small-count suppression; plain pytest, no database."""

import pytest

from consultations.privacy import (
    IdentifierSpan,
    find_identifiers,
    format_count,
    highlight_html,
    redact,
    suppress_counts,
)


def found(text):
    return [(span.kind, span.text) for span in find_identifiers(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "When the clinic closed I walked 12 km. Call me on +256 772 123456 or 0772 123 456.",
            [("phone", "+256 772 123456"), ("phone", "0772 123 456")],
        ),
        (
            "My sister can be reached at (555) 123-4567 or 555-1234.",
            [("phone", "(555) 123-4567"), ("phone", "555-1234")],
        ),
        ("Write to amina.k+ngo@example.org if needed.", [("email", "amina.k+ngo@example.org")]),
        (
            "See https://facebook.com/amina.k?id=123456789, or www.example.org/story.",
            [
                ("url", "https://facebook.com/amina.k?id=123456789"),
                ("url", "www.example.org/story"),
            ],
        ),
        (
            "My national ID is 19850512345678 and my card says so.",
            [("national_id", "19850512345678")],
        ),
        ("Passport AB1234567 was taken at the border.", [("national_id", "AB1234567")]),
        # French
        (
            "Mon numéro est le 06 12 34 56 78, écrivez à marie.dupont@exemple.fr.",
            [("phone", "06 12 34 56 78"), ("email", "marie.dupont@exemple.fr")],
        ),
        ("Appelez le +33 6 12 34 56 78 après 18 h.", [("phone", "+33 6 12 34 56 78")]),
        ("Mon NIR est 1 85 05 78 006 084 36.", [("national_id", "1 85 05 78 006 084 36")]),
        # Spanish
        (
            "Mi DNI es 12345678Z y mi teléfono es 612 345 678.",
            [("national_id", "12345678Z"), ("phone", "612 345 678")],
        ),
        ("Llámame al 0412-555-0199, por favor.", [("phone", "0412-555-0199")]),
    ],
)
def test_finds_identifiers_in_realistic_sentences(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "In 2019 I was 34 years old and had 3 children.",
        "50% of the women in our village lost their jobs between 2018-2019.",
        "The flood came on 12-05-2019; the school reopened on 2024-03-01 at 10:30.",
        "We paid 1 500 000 FCFA for the land, and 1,200,000 shillings for the roof.",
        "En 2020, el 75 % de las familias ganaban menos de 15.000 pesos.",
        "Nous étions 250 personnes; j'ai 67 ans et 4 petits-enfants.",
        "Il est né le 15.03.1985 à 2.500 mètres d'altitude.",
        "COVID19 hit us hard; SDG16 talks about justice; 3.14159 is pi.",
        "Room 12, house 4512, plot 27.",
    ],
)
def test_ordinary_numbers_are_not_identifiers(text):
    assert find_identifiers(text) == []


def test_spans_are_sorted_non_overlapping_and_match_the_text():
    text = "Mail jo@example.org or see http://example.org/123456789 or call +1 555 010 9999."
    spans = find_identifiers(text)
    assert [s.kind for s in spans] == ["email", "url", "phone"]
    for span in spans:
        assert text[span.start : span.end] == span.text
    for first, second in zip(spans, spans[1:], strict=False):
        assert first.end <= second.start


def test_redact_replaces_each_kind():
    text = "Call +44 20 7946 0958, mail a@b.org, ID AB1234567, web www.x.org."
    assert redact(text) == (
        "Call [phone removed], mail [email removed], ID [ID number removed], web [link removed]."
    )


def test_redact_only_the_chosen_spans():
    text = "Call 0771234567 or mail a@b.org."
    phone = [span for span in find_identifiers(text) if span.kind == "phone"]
    assert redact(text, phone) == "Call [phone removed] or mail a@b.org."
    assert redact(text, []) == text


def test_redact_refuses_stale_spans():
    stale = IdentifierSpan(start=5, end=15, kind="phone", text="0771234567")
    with pytest.raises(ValueError, match="changed"):
        redact("Call me tomorrow please", [stale])


def test_highlight_escapes_everything():
    text = '<script>alert("x")</script> call 0771234567 & mail <b>a@b.org</b>'
    result = highlight_html(text, find_identifiers(text))
    assert "<script>" not in result
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in result
    assert '<mark class="pii" data-kind="phone">0771234567</mark>' in result
    assert '<mark class="pii" data-kind="email">a@b.org</mark>' in result
    assert "&amp; mail &lt;b&gt;" in result
    assert highlight_html("no identifiers <i>", []) == "no identifiers &lt;i&gt;"


def _visible_small(result):
    return [value for value in result.values() if value is not None and 0 < value < 5]


@pytest.mark.parametrize(
    ("counts", "total", "expected"),
    [
        # Nothing small: nothing hidden.
        ({"a": 10, "b": 7, "c": 5}, 22, {"a": 10, "b": 7, "c": 5}),
        # One small cell with a known total: the next smallest is hidden too.
        ({"a": 3, "b": 10, "c": 20}, 33, {"a": None, "b": None, "c": 20}),
        # Two small cells that add up to 5 or more: enough on their own.
        ({"a": 2, "b": 3, "c": 50}, 55, {"a": None, "b": None, "c": 50}),
        # Two hidden cells adding up to 2 would both be 1: hide more.
        ({"a": 1, "b": 1, "c": 100, "d": 200}, 302, {"a": None, "b": None, "c": None, "d": 200}),
        # Zeros stay 0 and are never used as the complementary cell.
        ({"a": 0, "b": 2, "c": 9, "d": 40}, 51, {"a": 0, "b": None, "c": None, "d": 40}),
        # Ties for the complementary cell: the first one in order.
        ({"a": 4, "b": 8, "c": 8}, 20, {"a": None, "b": None, "c": 8}),
        # A single non-zero cell: hidden (the total is below 5 and shown as "fewer than 5").
        ({"a": 3, "b": 0}, 3, {"a": None, "b": 0}),
        # A total below the threshold hides every non-zero cell.
        ({"a": 0, "b": 0, "c": 0}, 0, {"a": 0, "b": 0, "c": 0}),
    ],
)
def test_suppression_with_a_known_total(counts, total, expected):
    result = suppress_counts(counts, total=total)
    assert result == expected
    assert _visible_small(result) == []


def test_complementary_suppression_means_no_cell_can_be_derived():
    counts = {"partner A": 3, "partner B": 12, "partner C": 40}
    total = sum(counts.values())
    result = suppress_counts(counts, total=total)
    hidden = [key for key, value in result.items() if value is None]
    assert len(hidden) >= 2
    # What a reader can work out: the sum of the hidden cells, which is not one person's cell.
    assert total - sum(v for v in result.values() if v is not None) == sum(
        counts[key] for key in hidden
    )


def test_without_a_total_only_small_cells_are_hidden():
    # Self-identified groups: one story can be in several cells, so no total can be derived.
    groups = {"women": 30, "migrants": 2, "persons with disabilities": 12, "none": 0}
    assert suppress_counts(groups) == {
        "women": 30,
        "migrants": None,
        "persons with disabilities": 12,
        "none": 0,
    }


@pytest.mark.parametrize("threshold", [3, 5, 10])
def test_never_a_visible_count_below_the_threshold(threshold):
    import itertools

    for cells in itertools.product(range(0, 8), repeat=3):
        counts = dict(zip("abc", cells, strict=True))
        for total in (None, sum(cells)):
            result = suppress_counts(counts, threshold=threshold, total=total)
            assert not [v for v in result.values() if v is not None and 0 < v < threshold]
            assert all(result[k] == 0 for k, v in counts.items() if v == 0)
            if total is not None:
                hidden = [k for k, v in result.items() if v is None]
                assert len(hidden) != 1 or len([v for v in cells if v]) == 1


def test_multiple_choice_total_may_be_smaller_than_the_sum():
    assert suppress_counts({"women": 8, "rural": 7}, total=10) == {"women": 8, "rural": 7}


@pytest.mark.parametrize(
    ("counts", "total"),
    [({"a": -1}, None), ({"a": 1.5}, None), ({"a": 10}, 5), ({"a": 1}, -1)],
)
def test_suppression_rejects_nonsense(counts, total):
    with pytest.raises(ValueError):
        suppress_counts(counts, total=total)


def test_format_count():
    assert format_count(None) == "fewer than 5"
    assert format_count(3) == "fewer than 5"  # a caller that forgot to suppress
    assert format_count(0) == "0"
    assert format_count(12) == "12"
    assert format_count(None, threshold=3) == "fewer than 3"
