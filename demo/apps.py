from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data loaders and ``manage.py seed_demo``. No models."""

    name = "demo"
    verbose_name = "Demo data"
