"""API list filters that refuse values they do not understand.

django-filter already answers 400 for an unknown choice or a non-number, but reads any
unrecognised boolean (``?published=maybe``) as "no filter", and its messages do not say what
would have been accepted. Here an invalid value answers 400 naming the parameter and, where
there are few, the allowed values.
"""

from __future__ import annotations

import copy

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext as _
from django_filters import rest_framework as drf_filters
from rest_framework.exceptions import ValidationError

TRUE, FALSE = ("true", "1"), ("false", "0")
MAX_LISTED_CHOICES = 30


class StrictBooleanField(forms.NullBooleanField):
    """``true``/``false`` (or ``1``/``0``); empty means "no filter"; anything else is invalid."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise forms.ValidationError(_("Not a boolean."), code="invalid")

    def validate(self, value):
        pass


class StrictBooleanFilter(drf_filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        # django-filter's BooleanWidget turns any unknown value into "no filter".
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class StrictFilterSet(drf_filters.FilterSet):
    FILTER_DEFAULTS = copy.deepcopy(drf_filters.FilterSet.FILTER_DEFAULTS)
    FILTER_DEFAULTS[models.BooleanField] = {"filter_class": StrictBooleanFilter}


def _allowed(field: forms.Field) -> str:
    if isinstance(field, StrictBooleanField):
        return "true, false"
    if isinstance(field, forms.ModelChoiceField):
        return "the id of an object you may see"
    if isinstance(field, forms.ChoiceField):
        values = [str(value) for value, _ in field.choices if value not in ("", None)]
        if len(values) <= MAX_LISTED_CHOICES:
            return ", ".join(values)
    if isinstance(field, forms.DecimalField | forms.FloatField | forms.IntegerField):
        return "a number"
    return ""


def filter_errors(filterset: django_filters.FilterSet) -> dict[str, list[str]]:
    """``{parameter: [message]}``, each message naming the parameter and what it accepts."""
    errors = {}
    for name, messages in filterset.errors.items():
        allowed = _allowed(filterset.form.fields[name]) if name in filterset.form.fields else ""
        text = f"Invalid value for the filter '{name}': {' '.join(messages)}"
        errors[name] = [f"{text} Allowed: {allowed}." if allowed else text]
    return errors


class StrictFilterBackend(drf_filters.DjangoFilterBackend):
    """``DEFAULT_FILTER_BACKENDS``: filtersets built from ``filterset_fields`` are strict too."""

    filterset_base = StrictFilterSet

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise ValidationError(filter_errors(filterset))
        return filterset.qs
