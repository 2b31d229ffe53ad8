"""Demo data and benchmarks live in demo/ and benchmarks/, not in the domain apps (issue 15):
`make run` and `make bench` still find them, and no domain app holds such code again."""

from pathlib import Path

from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_APPS = (
    "accounts",
    "taxonomy",
    "common",
    "consultations",
    "recommendations",
    "analysis",
    "evidence",
)


def test_no_domain_app_holds_demo_or_benchmark_modules():
    found = [
        str(path.relative_to(ROOT))
        for app in DOMAIN_APPS
        for path in (ROOT / app).rglob("*.py")
        if path.stem in ("demo", "synthetic")
        or path.stem.startswith("bench")
        or path.stem.endswith("_bench")
    ]
    assert found == []


def test_make_run_and_make_bench_commands_come_from_the_new_apps():
    commands = get_commands()
    assert commands["seed_demo"] == "demo"
    bench = {name: app for name, app in commands.items() if name.startswith("bench_")}
    assert set(bench) >= {"bench_group_pages", "bench_upload", "bench_uhri_import"}
    assert set(bench.values()) == {"benchmarks"}


def test_makefile_runs_the_moved_benchmarks():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for module in ("benchmarks.engine", "benchmarks.batch", "benchmarks.cli"):
        assert f"-m {module}" in makefile
        assert (ROOT / (module.replace(".", "/") + ".py")).exists()
    assert "manage.py seed_demo" in makefile
