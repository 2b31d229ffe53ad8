"""Seed vocabularies: population groups (UHRI affected persons and common LNOB groups) and
the five factors. Loaded by ``manage.py seed_vocabularies``; RCO staff edit them afterwards.

Sources: OHCHR Universal Human Rights Index "affected persons" labels and the UNSDG LNOB
operational guide (see the project's PRODUCT reference, sections 2, 3 and 5).
"""

# (name, UHRI label or "", parent name or None, synonyms, description)
UHRI_GROUPS: list[tuple[str, str, str | None, list[str], str]] = [
    ("Children", "Children", None, ["child", "boys", "minors"], ""),
    (
        "Children in vulnerable situations",
        "Children in vulnerable situations",
        "Children",
        ["vulnerable children", "street children", "orphans"],
        "",
    ),
    ("Civil society", "Civil society", None, ["civil society organisations"], ""),
    (
        "Human rights defenders",
        "",
        "Civil society",
        ["human rights defenders", "HRDs", "defenders"],
        "",
    ),
    ("Disappeared persons", "Disappeared persons", None, ["enforced disappearance victims"], ""),
    (
        "Educational staff & students",
        "Educational staff & students",
        None,
        ["teachers", "students"],
        "",
    ),
    (
        "Indigenous peoples",
        "Indigenous peoples",
        None,
        ["indigenous persons", "indigenous people", "indigenous communities"],
        "",
    ),
    ("Internally displaced persons", "Internally displaced persons", None, ["IDPs"], ""),
    (
        "Judges, lawyers and prosecutors",
        "Judges, lawyers and prosecutors",
        None,
        ["judges", "lawyers"],
        "",
    ),
    (
        "Law enforcement / police & prison officials",
        "Law enforcement / police & prison officials",
        None,
        ["police", "law enforcement officials", "prison officials"],
        "",
    ),
    (
        "LGBTI persons",
        "Lesbian, gay, bisexual and transgender and intersex persons (LGBTI)",
        None,
        [
            "LGBTI",
            "LGBTIQ persons",
            "LGBTQI+ persons",
            "LGBT persons",
            "lesbian, gay, bisexual, transgender and intersex persons",
            "lesbian, gay, bisexual and transgender persons",
            "sexual and gender minorities",
        ],
        "",
    ),
    ("Media", "Media", None, ["journalists", "media workers"], ""),
    (
        "Medical staff / health professionals",
        "Medical staff / health professionals",
        None,
        ["health professionals", "health workers"],
        "",
    ),
    ("Migrants", "Migrants", None, ["migrant workers", "migrant"], ""),
    (
        "Minorities",
        "Minorities/ racial, ethnic, linguistic, religious or descent-based groups",
        None,
        [
            "minorities",
            "ethnic minorities",
            "racial, ethnic, linguistic, religious minorities",
            "minorities/ racial, ethnic, linguistic, religious or descent-based groups",
            "descent-based groups",
            "religious minorities",
            "linguistic minorities",
        ],
        "",
    ),
    ("Non-citizens", "Non-citizens", None, ["foreigners"], ""),
    ("Older persons", "Older persons", None, ["elderly", "older people", "the elderly"], ""),
    (
        "Persons affected by armed conflict",
        "Persons affected by armed conflict",
        None,
        ["conflict-affected persons", "victims of armed conflict"],
        "",
    ),
    (
        "Persons deprived of their liberty & detainees",
        "Persons deprived of their liberty & detainees",
        None,
        ["detainees", "prisoners", "persons deprived of their liberty"],
        "",
    ),
    (
        "Persons living in poverty",
        "Persons living in poverty",
        None,
        ["people living in poverty", "poor", "the poor", "persons in poverty"],
        "",
    ),
    (
        "Persons living in rural areas",
        "Persons living in rural areas",
        None,
        ["rural population", "rural communities", "people in rural areas"],
        "",
    ),
    (
        "Persons living with HIV/AIDS",
        "Persons living with HIV/AIDS",
        None,
        ["persons living with HIV", "people living with HIV", "PLHIV"],
        "",
    ),
    (
        "Persons with disabilities",
        "Persons with disabilities",
        None,
        ["people with disabilities", "disabled persons", "PWD"],
        "",
    ),
    ("Public officials", "Public officials", None, ["civil servants"], ""),
    (
        "Refugees & asylum seekers",
        "Refugees & asylum seekers",
        None,
        ["refugees", "asylum seekers", "refugees and asylum-seekers"],
        "",
    ),
    (
        "Roma, Gypsies, Sinti & Travellers",
        "Roma, Gypsies, Sinti & Travellers",
        "Minorities",
        ["Roma", "Travellers", "Sinti"],
        "",
    ),
    ("Stateless persons", "Stateless persons", None, ["stateless people", "statelessness"], ""),
    (
        "Vulnerable persons/groups",
        "Vulnerable persons/groups",
        None,
        ["vulnerable groups", "vulnerable persons"],
        "",
    ),
    ("Women & girls", "Women & girls", None, ["women", "girls", "women and girls", "female"], ""),
    (
        "Youth & juveniles",
        "Youth & juveniles",
        None,
        ["youth", "young people", "juveniles", "adolescents"],
        "",
    ),
    ("General", "General", None, ["everyone", "general population"], ""),
]

LNOB_GROUPS: list[tuple[str, str | None, list[str], str]] = [
    ("Domestic workers", None, ["domestic worker", "household workers"], ""),
    ("Informal workers", None, ["workers in the informal economy", "informal sector workers"], ""),
    (
        "Persons living in remote areas",
        "Persons living in rural areas",
        ["remote communities", "isolated communities"],
        "",
    ),
    (
        "Persons affected by disasters and climate change",
        None,
        ["disaster-affected persons", "climate-affected communities"],
        "",
    ),
    ("Victims of trafficking", None, ["trafficked persons", "victims of human trafficking"], ""),
    ("Sex workers", None, ["persons engaged in sex work"], ""),
    ("People who use drugs", None, ["drug users", "persons who use drugs"], ""),
]

# Categories that recommendations address as actors or professions, not as rights-holders
# left behind (PopulationGroup.rights_holder is False for them). Normalised names (see
# taxonomy.models.normalise_label); also used by the data migration that added the flag.
NOT_RIGHTS_HOLDERS: frozenset[str] = frozenset(
    {
        "civil society",
        "judges lawyers and prosecutors",
        "law enforcement police and prison officials",
        "media",
        "medical staff health professionals",
        "public officials",
        "parliamentarians",
        "members of parliament",
        "national human rights institutions",
        "national human rights institutions nhris",
        "nhris",
        "nhri",
        "general",
    }
)

# (name, components, synonyms)
INTERSECTIONS: list[tuple[str, list[str], list[str]]] = [
    (
        "Rural women",
        ["Women & girls", "Persons living in rural areas"],
        ["rural women and girls", "women in rural areas"],
    ),
    ("Indigenous women", ["Women & girls", "Indigenous peoples"], ["indigenous women and girls"]),
    (
        "Women with disabilities",
        ["Women & girls", "Persons with disabilities"],
        ["women and girls with disabilities"],
    ),
    (
        "Children with disabilities",
        ["Children", "Persons with disabilities"],
        ["disabled children"],
    ),
    ("Older persons with disabilities", ["Older persons", "Persons with disabilities"], []),
    ("Migrant women", ["Women & girls", "Migrants"], ["women migrant workers"]),
]

FACTORS: list[tuple[str, str, str]] = [
    (
        "discrimination",
        "Discrimination",
        "On the basis of sex, age, disability, ethnicity, indigenous status, migratory status, "
        "religion, sexual orientation and gender identity, and other grounds.",
    ),
    (
        "geography",
        "Geography",
        "Isolation, remoteness, risk, inadequate infrastructure; urban/rural and subnational gaps.",
    ),
    (
        "governance",
        "Governance",
        "Laws, policies, institutions and voice; exclusion from decision-making.",
    ),
    (
        "socio_economic_status",
        "Socio-economic status",
        "Income, wealth, education, employment, access to services.",
    ),
    (
        "shocks_and_fragility",
        "Shocks and fragility",
        "Conflict, disaster, climate, pandemic, economic shocks.",
    ),
]

# The seeded groups' names in French and Spanish, as respondents read them on consultation
# forms. UHRI's own French and Spanish labels where it has them (e.g. « Personnes vivant dans
# la pauvreté », « Personas que viven en la pobreza »); otherwise the UN's usual wording.
GROUP_LABELS: dict[str, dict[str, str]] = {
    "Children": {"fr": "Enfants", "es": "Niños y niñas"},
    "Children in vulnerable situations": {
        "fr": "Enfants en situation de vulnérabilité",
        "es": "Niños y niñas en situación de vulnerabilidad",
    },
    "Civil society": {"fr": "Société civile", "es": "Sociedad civil"},
    "Human rights defenders": {
        "fr": "Défenseurs des droits humains",
        "es": "Defensores y defensoras de los derechos humanos",
    },
    "Disappeared persons": {"fr": "Personnes disparues", "es": "Personas desaparecidas"},
    "Educational staff & students": {
        "fr": "Personnel éducatif et élèves",
        "es": "Personal docente y estudiantes",
    },
    "Indigenous peoples": {"fr": "Peuples autochtones", "es": "Pueblos indígenas"},
    "Internally displaced persons": {
        "fr": "Personnes déplacées à l'intérieur de leur propre pays",
        "es": "Desplazados internos",
    },
    "Judges, lawyers and prosecutors": {
        "fr": "Juges, avocats et procureurs",
        "es": "Jueces, abogados y fiscales",
    },
    "Law enforcement / police & prison officials": {
        "fr": "Forces de l'ordre, police et personnel pénitentiaire",
        "es": "Fuerzas del orden, policía y personal penitenciario",
    },
    "LGBTI persons": {"fr": "Personnes LGBTI", "es": "Personas LGBTI"},
    "Media": {"fr": "Médias", "es": "Medios de comunicación"},
    "Medical staff / health professionals": {
        "fr": "Personnel médical et professionnels de santé",
        "es": "Personal médico y profesionales de la salud",
    },
    "Migrants": {"fr": "Migrants", "es": "Migrantes"},
    "Minorities": {"fr": "Minorités", "es": "Minorías"},
    "Non-citizens": {"fr": "Non-ressortissants", "es": "No ciudadanos"},
    "Older persons": {"fr": "Personnes âgées", "es": "Personas de edad"},
    "Persons affected by armed conflict": {
        "fr": "Personnes touchées par les conflits armés",
        "es": "Personas afectadas por conflictos armados",
    },
    "Persons deprived of their liberty & detainees": {
        "fr": "Personnes privées de liberté et détenus",
        "es": "Personas privadas de libertad y detenidas",
    },
    "Persons living in poverty": {
        "fr": "Personnes vivant dans la pauvreté",
        "es": "Personas que viven en la pobreza",
    },
    "Persons living in rural areas": {
        "fr": "Personnes vivant en milieu rural",
        "es": "Personas que viven en zonas rurales",
    },
    "Persons living with HIV/AIDS": {
        "fr": "Personnes vivant avec le VIH/sida",
        "es": "Personas que viven con el VIH/sida",
    },
    "Persons with disabilities": {
        "fr": "Personnes handicapées",
        "es": "Personas con discapacidad",
    },
    "Public officials": {"fr": "Agents publics", "es": "Funcionarios públicos"},
    "Refugees & asylum seekers": {
        "fr": "Réfugiés et demandeurs d'asile",
        "es": "Refugiados y solicitantes de asilo",
    },
    "Roma, Gypsies, Sinti & Travellers": {
        "fr": "Roms, Tsiganes, Sintis et gens du voyage",
        "es": "Romaníes, gitanos, sintis y nómadas",
    },
    "Stateless persons": {"fr": "Apatrides", "es": "Apátridas"},
    "Vulnerable persons/groups": {
        "fr": "Personnes et groupes vulnérables",
        "es": "Personas y grupos vulnerables",
    },
    "Women & girls": {"fr": "Femmes et filles", "es": "Mujeres y niñas"},
    "Youth & juveniles": {"fr": "Jeunes et mineurs", "es": "Jóvenes y menores"},
    "General": {"fr": "Général", "es": "General"},
    "Domestic workers": {"fr": "Travailleurs domestiques", "es": "Trabajadores domésticos"},
    "Informal workers": {
        "fr": "Travailleurs de l'économie informelle",
        "es": "Trabajadores de la economía informal",
    },
    "Persons living in remote areas": {
        "fr": "Personnes vivant dans des zones reculées",
        "es": "Personas que viven en zonas remotas",
    },
    "Persons affected by disasters and climate change": {
        "fr": "Personnes touchées par les catastrophes et les changements climatiques",
        "es": "Personas afectadas por los desastres y el cambio climático",
    },
    "Victims of trafficking": {
        "fr": "Victimes de la traite des personnes",
        "es": "Víctimas de la trata de personas",
    },
    "Sex workers": {"fr": "Travailleurs du sexe", "es": "Trabajadores sexuales"},
    "People who use drugs": {
        "fr": "Personnes qui consomment des drogues",
        "es": "Personas que consumen drogas",
    },
    "Rural women": {"fr": "Femmes rurales", "es": "Mujeres rurales"},
    "Indigenous women": {"fr": "Femmes autochtones", "es": "Mujeres indígenas"},
    "Women with disabilities": {
        "fr": "Femmes handicapées",
        "es": "Mujeres con discapacidad",
    },
    "Children with disabilities": {
        "fr": "Enfants handicapés",
        "es": "Niños y niñas con discapacidad",
    },
    "Older persons with disabilities": {
        "fr": "Personnes âgées handicapées",
        "es": "Personas de edad con discapacidad",
    },
    "Migrant women": {"fr": "Femmes migrantes", "es": "Mujeres migrantes"},
}
