"""The public "what we heard and what is happening" pages of a campaign, and their editor.

Readable without an account and without JavaScript; each page is shown in its own language
(``?lang=``), with an easy-read and a printable large-print version."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from consultations.selectors import feedback_campaign

from .feedback import feedback_page, feedback_save, may_edit_feedback
from .models import CampaignFeedback

VERSIONS = {
    "full": "evidence/feedback/page.html",
    "easy": "evidence/feedback/easy.html",
    "print": "evidence/feedback/print.html",
}


def _language_name(code: str) -> str:
    try:
        return translation.get_language_info(code)["name_local"]
    except KeyError:
        return code


def _campaign(pk: int):
    campaign = feedback_campaign(pk)
    if campaign is None:
        raise Http404
    return campaign


def page(request, pk: int, version: str = "full"):
    campaign = _campaign(pk)
    wanted = (request.GET.get("lang") or get_language() or "en")[:10]
    shown = feedback_page(campaign=campaign, language=wanted, user=request.user)
    links = [
        (
            code,
            _language_name(code),
            reverse(f"feedback:{version}", args=[pk]) + "?" + urlencode({"lang": code}),
        )
        for code in shown.languages
    ]
    context = {
        "campaign": campaign,
        "shown": shown,
        "feedback": shown.page,
        "heard": shown.heard,
        "language_links": links,
        "page_language": shown.language,
        "can_edit": may_edit_feedback(user=request.user, campaign=campaign),
        "query": urlencode({"lang": shown.language}),
    }
    # The page's own words are in its language, so are the portal's words around them.
    with translation.override(shown.language):
        response = render(request, VERSIONS[version], context)
    response["Content-Language"] = shown.language
    return response


class FeedbackForm(forms.ModelForm):
    class Meta:
        model = CampaignFeedback
        fields = ["heard", "happening", "easy_read", "next_update", "status"]
        widgets = {
            "heard": forms.Textarea(attrs={"rows": 6}),
            "happening": forms.Textarea(attrs={"rows": 6}),
            "easy_read": forms.Textarea(attrs={"rows": 6}),
            "next_update": forms.DateInput(attrs={"type": "date"}),
        }
        labels = {"status": gettext_lazy("Status")}


def edit(request, pk: int):
    """RCO staff of the campaign's country write the page in each language (others: 404)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    campaign = _campaign(pk)
    if not may_edit_feedback(user=request.user, campaign=campaign):
        raise Http404
    languages = list(dict.fromkeys([*(campaign.languages or []), *dict(settings.LANGUAGES)]))
    language = request.GET.get("lang") or request.POST.get("lang") or languages[0]
    if language not in languages:
        raise Http404
    instance = CampaignFeedback.objects.filter(campaign=campaign, language=language).first()
    form = FeedbackForm(request.POST or None, instance=instance)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            feedback_save(
                campaign=campaign, language=language, values=form.cleaned_data, user=request.user
            )
            from django.contrib import messages

            messages.success(request, _("Saved."))
            return redirect(
                reverse("feedback:edit", args=[pk]) + "?" + urlencode({"lang": language})
            )
        status = 400
    pages = {p.language: p for p in CampaignFeedback.objects.filter(campaign=campaign)}
    return render(
        request,
        "evidence/feedback/edit.html",
        {
            "campaign": campaign,
            "form": form,
            "language": language,
            "language_name": _language_name(language),
            "tabs": [
                (
                    code,
                    _language_name(code),
                    pages[code].get_status_display() if code in pages else _("Not written"),
                )
                for code in languages
            ],
        },
        status=status,
    )
