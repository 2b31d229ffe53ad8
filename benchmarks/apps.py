from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """The ``bench_*`` management commands. No models."""

    name = "benchmarks"
    verbose_name = "Benchmarks"
