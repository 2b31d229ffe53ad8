"""Profile, organisations and memberships, and the audit log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import policy
from .forms import ApiTokenForm, AuditFilterForm, MembershipForm, OrganisationForm, RoleChangeForm
from .models import ApiToken, AuditEvent, Membership, Organisation, User
from .policy import Action
from .services import (
    api_token_create,
    api_token_revoke,
    membership_revoke,
    membership_set_role,
)
from .services import (
    organisation_create as organisation_save,
)


@login_required
def profile(request, token_form: ApiTokenForm | None = None):
    memberships = Membership.objects.filter(user=request.user).select_related("organisation")
    return render(
        request,
        "accounts/profile.html",
        {
            "memberships": memberships,
            "tokens": ApiToken.objects.filter(user=request.user),
            "token_form": token_form or ApiTokenForm(),
            "new_token": request.session.pop("new_api_token", None),
        },
    )


@login_required
@require_POST
def api_token_create_view(request):
    """Create a named API token with an expiry; the key is shown once."""
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return profile(request, token_form=form)
    _token, key = api_token_create(
        user=request.user,
        name=form.cleaned_data["name"],
        days=form.cleaned_data["days"],
        request=request,
    )
    request.session["new_api_token"] = key
    messages.success(request, _("A new API token was created. Copy it now: it is shown once."))
    return redirect("accounts:profile")


@login_required
@require_POST
def api_token_revoke_view(request, pk: int):
    """People revoke their own tokens; another person's token is a 404."""
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk, user=request.user)
    api_token_revoke(token=token, by=request.user, request=request)
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:profile")


@login_required
def organisation_list(request):
    organisations = policy.scope(request.user, Organisation.objects.all(), Action.LIST)
    return render(
        request,
        "accounts/organisation_list.html",
        {
            "organisations": organisations,
            "can_create": policy.can(request.user, Action.CREATE, Organisation),
        },
    )


@login_required
def organisation_create(request):
    """RCO staff add a partner organisation, UN agency, NHRI… in their country."""
    policy.require(request.user, Action.CREATE, Organisation)
    countries = policy.actor_for(request.user).rco_countries
    form = OrganisationForm(request.POST or None, countries=countries)
    if request.method == "POST" and form.is_valid():
        organisation = organisation_save(form=form, actor=request.user, request=request)
        messages.success(request, _("The organisation was added; now add its people."))
        return redirect("accounts:organisation_detail", pk=organisation.pk)
    return render(request, "accounts/organisation_form.html", {"form": form})


@login_required
def organisation_detail(request, pk: int):
    organisation = policy.get_object_or_404(request.user, Organisation, pk=pk)
    memberships = policy.scope(
        request.user, organisation.memberships.select_related("user"), Action.LIST
    )
    can_manage = policy.can(request.user, Action.CREATE, Membership)
    form = MembershipForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        policy.require(request.user, Action.CREATE, Membership)
        if form.is_valid():
            user = form.existing_user()
            if user is None:
                user = User.objects.create_user(
                    email=form.cleaned_data["email"], full_name=form.cleaned_data["full_name"]
                )
            membership_set_role(
                by=request.user,
                user=user,
                organisation=organisation,
                role=form.cleaned_data["role"],
                request=request,
            )
            messages.success(request, _("%(email)s now has this role.") % {"email": user.email})
            return redirect("accounts:organisation_detail", pk=organisation.pk)
    return render(
        request,
        "accounts/organisation_detail.html",
        {
            "organisation": organisation,
            "memberships": memberships,
            "form": form,
            "role_form": RoleChangeForm(),
            "can_manage": can_manage,
        },
    )


@login_required
@require_POST
def membership_change(request, pk: int):
    membership = policy.get_object_or_404(
        request.user,
        Membership.objects.select_related("user", "organisation"),
        Action.CHANGE,
        pk=pk,
    )
    if "revoke" in request.POST:
        organisation_pk = membership.organisation_id
        membership_revoke(by=request.user, membership=membership, request=request)
        messages.success(request, _("The role was removed."))
        return redirect("accounts:organisation_detail", pk=organisation_pk)
    form = RoleChangeForm(request.POST)
    if form.is_valid():
        membership_set_role(
            by=request.user,
            user=membership.user,
            organisation=membership.organisation,
            role=form.cleaned_data["role"],
            request=request,
        )
        messages.success(request, _("The role was changed."))
    else:
        messages.error(request, _("Choose one of the listed roles."))
    return redirect("accounts:organisation_detail", pk=membership.organisation_id)


@login_required
def audit_log(request):
    policy.require(request.user, Action.LIST, AuditEvent)
    events = policy.scope(request.user, AuditEvent.objects.select_related("actor"), Action.LIST)
    form = AuditFilterForm(request.GET or None)
    if form.is_valid() and form.cleaned_data["action"]:
        events = events.filter(action=form.cleaned_data["action"])
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_log.html", {"page": page, "form": form})
