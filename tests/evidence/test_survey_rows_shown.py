"""The group page shows the 25 most telling survey rows first, and all of them on request."""

from django.test import RequestFactory

from evidence.views import SURVEY_ROWS_SHOWN, _survey_rows


def _row(i, behind=False, gap=0.0):
    return {"run": 100 + i, "furthest_behind": behind, "gap_to_ahead": gap, "indicator": f"i{i}"}


def test_furthest_behind_then_largest_gaps_first_and_a_link_to_all():
    rows = [_row(i, gap=i / 100) for i in range(40)] + [_row(99, behind=True, gap=0.01)]
    matrix = [{"goal": 7, "runs": list(range(100, 112))}]
    shown = _survey_rows(RequestFactory().get("/groups/x/"), rows, matrix)
    assert shown["survey_total"] == 41 and not shown["survey_all"]
    assert len(shown["survey_rows"]) == SURVEY_ROWS_SHOWN == 25
    first, second = shown["survey_rows"][:2]
    assert first["run"] == 199  # furthest behind comes first, whatever its gap
    assert second["gap_to_ahead"] == 0.39  # then the largest gap
    assert first["run_url"].endswith("/runs/199/")
    # the matrix links 5 runs and says how many more
    [row] = shown["matrix_rows"]
    assert len(row["run_urls"]) == 5 and row["more_runs"] == 7
    everything = _survey_rows(RequestFactory().get("/groups/x/?survey=all"), rows, matrix)
    assert len(everything["survey_rows"]) == 41 and everything["survey_all"]
