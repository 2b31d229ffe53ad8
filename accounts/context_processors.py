from .policy import actor_for


def roles(request):
    """Expose the user's roles to templates (navigation, home page)."""
    user = getattr(request, "user", None)
    return {"actor": actor_for(user)}
