import factory

from accounts.models import Membership, Organisation, Role, User

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.CSO
    country = "Demoland"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.CSO_PARTNER


def run_with_result(*, published: bool, country: str = "Demoland"):
    """A finished Run on a small survey, stored as the portal stores it (no file needed)."""
    import uuid

    import numpy as np
    import pandas as pd

    from analysis.engine import Circumstance, analyse, result_to_dict
    from analysis.models import Dataset, Indicator, Run

    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "wealth": rng.choice(["Bottom 40%", "Top 60%"], 800),
            "residence": rng.choice(["Urban", "Rural"], 800),
        }
    )
    frame["outcome"] = (rng.random(800) < np.where(frame.wealth == "Top 60%", 0.8, 0.4)).astype(
        float
    )
    result = result_to_dict(
        analyse(
            frame,
            outcome="outcome",
            circumstances=[Circumstance("wealth"), Circumstance("residence")],
        )
    )
    result.update(
        circumstances=[
            {"name": "wealth", "kind": "unordered", "order": []},
            {"name": "residence", "kind": "unordered", "order": []},
        ],
        dimensions={},
        single_d={},
        d_on_complement=False,
    )
    dataset = Dataset.objects.create(
        title="Survey",
        country=country,
        survey_kind="DHS",
        survey_round="2022",
        original_name="x.dta",
        sha256="0" * 64,
        status=Dataset.Status.READY,
        file="surveys/x.dta",
    )
    indicator, _ = Indicator.objects.get_or_create(
        slug="electricity", defaults={"name": "Electricity", "definition": {}}
    )
    return Run.objects.create(
        dataset=dataset,
        indicator=indicator,
        batch=uuid.uuid4(),
        definition={},
        status=Run.Status.SUCCEEDED,
        result=result,
        dataset_sha256="0" * 64,
        engine_version="1.0.0",
        published=published,
    )
