"""Group pages become per country: every analysis, comment, revision, data gap and summary
gets the country it belongs to.

Existing rows get their author's country (created_by/author: the country of their RCO
membership, else of their first membership); rows without an author get the installation's
only country, or else the country of the first RCO organisation. Sub-causes follow their
parent; capacity gaps take their role's country; summaries are recomputed.
"""

import django.db.models.deletion
from django.db import migrations, models

USER_FIELDS = {
    "cause": "created_by_id",
    "datagap": "created_by_id",
    "comment": "author_id",
    "revision": "author_id",
}


def default_country(apps) -> str:
    Organisation = apps.get_model("accounts", "Organisation")
    countries = sorted(set(Organisation.objects.values_list("country", flat=True)))
    if len(countries) == 1:
        return countries[0]
    rco = Organisation.objects.filter(kind="rco").order_by("pk").first()
    if rco is not None:
        return rco.country
    return countries[0] if countries else ""


def user_countries(apps) -> dict[int, str]:
    """Each user's RCO country (first by organisation), else their first membership's."""
    Membership = apps.get_model("accounts", "Membership")
    found: dict[int, str] = {}
    rows = Membership.objects.order_by("organisation_id").values_list(
        "user_id", "role", "organisation__country"
    )
    for user_id, role, country in rows:
        if role == "rco_staff":
            found.setdefault(user_id, country)
    for user_id, _role, country in rows:
        found.setdefault(user_id, country)
    return found


def backfill(apps, schema_editor):
    fallback = default_country(apps)
    by_user = user_countries(apps)
    for name in ("cause", "datagap", "comment", "revision", "roleentry", "groupaction"):
        model = apps.get_model("evidence", name)
        user_field = USER_FIELDS.get(name)
        if user_field is None:
            model.objects.update(country=fallback)
            continue
        for pk, user_id in model.objects.values_list("pk", user_field).iterator():
            model.objects.filter(pk=pk).update(country=by_user.get(user_id, fallback))
    # A cause's sub-causes belong to the same tree as their parent: follow the root.
    Cause = apps.get_model("evidence", "Cause")
    for cause in Cause.objects.filter(parent__isnull=False).select_related("parent"):
        if cause.country != cause.parent.country:
            Cause.objects.filter(pk=cause.pk).update(country=cause.parent.country)
    CapacityGap = apps.get_model("evidence", "CapacityGap")
    for gap in CapacityGap.objects.select_related("role"):
        CapacityGap.objects.filter(pk=gap.pk).update(country=gap.role.country)
    GroupSummary = apps.get_model("evidence", "GroupSummary")
    GroupSummary.objects.update(country=fallback, stale=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_auditevent_country_vocabulary_steward"),
        ("evidence", "0001_initial"),
        ("taxonomy", "0001_initial"),
    ]

    operations = [
        *[
            migrations.AddField(
                model_name=name,
                name="country",
                field=models.CharField(
                    db_index=True, default="", max_length=100, verbose_name="country"
                ),
                preserve_default=False,
            )
            for name in (
                "cause",
                "comment",
                "datagap",
                "groupaction",
                "groupsummary",
                "revision",
                "roleentry",
            )
        ],
        migrations.AddField(
            model_name="capacitygap",
            name="country",
            field=models.CharField(
                db_index=True,
                default="",
                editable=False,
                help_text="Its role's.",
                max_length=100,
                verbose_name="country",
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="groupsummary",
            name="group",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="evidence_summaries",
                to="taxonomy.populationgroup",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="groupsummary",
            constraint=models.UniqueConstraint(
                fields=("group", "country"), name="one_summary_per_country"
            ),
        ),
    ]
