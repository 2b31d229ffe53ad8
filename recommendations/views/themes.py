"""Themes: the vocabulary with synonyms and review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.policy import Action as Do

from .. import services
from ..forms import ThemeSynonymForm
from ..models import Theme


@login_required
def theme_list(request):
    policy.require(request.user, Do.LIST, Theme)
    themes = (
        policy.scope(request.user, Theme.objects.all(), Do.LIST)
        .prefetch_related("synonyms")
        .annotate(n=Count("recommendations"))
        .order_by("-needs_review", "name")
    )
    return render(
        request,
        "recommendations/themes.html",
        {
            "themes": themes,
            "can_curate": policy.can(request.user, Do.CHANGE, Theme),
            "form": ThemeSynonymForm(),
        },
    )


@login_required
@require_POST
def theme_edit(request, pk: int):
    theme = policy.get_object_or_404(request.user, Theme, Do.CHANGE, pk=pk)
    form = ThemeSynonymForm(request.POST)
    if form.is_valid():
        error = services.theme_review(
            theme=theme,
            actor=request.user,
            label=form.cleaned_data["label"],
            reviewed=form.cleaned_data["reviewed"],
            request=request,
        )
        if error:
            messages.error(request, error)
    return redirect(reverse("recommendations:theme_list") + f"#theme-{theme.pk}")
