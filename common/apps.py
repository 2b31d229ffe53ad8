from django.apps import AppConfig


class CommonConfig(AppConfig):
    """The shared kernel. An app so that its reaper has a beat task and a command."""

    name = "common"
    verbose_name = "Common"
