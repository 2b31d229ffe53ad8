from celery import shared_task


@shared_task(name="portal.ping", time_limit=30)
def ping(value: str = "pong") -> dict:
    """Round trip through the broker: used by deploy checks and the worker integration test."""
    import socket

    return {"value": value, "worker": socket.gethostname()}
