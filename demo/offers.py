"""Demo offers for `socialmarked seed`: several hundred believable, fictitious offers.

Generated deterministically (a fixed random seed) from templates per kind of offer and target
group, spread over every region and every target group, with the small, complex groups of the
central announcements covered on purpose. Every demo offer has ``is_demo`` set. Three real
offers named in Nordjysk Socialaftale 2021-2022 (Birken, Kvisten, Center for Døvblindhed og
Høretab) appear with their real names and status, but with demo content that says so.
"""

from __future__ import annotations

import datetime
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from demo import fit
from marketplace.core.clock import today, utcnow
from marketplace.core.identity import SYSTEM
from marketplace.core.unit_of_work import write_transaction
from marketplace.offers.models import (
    OfferContent,
    OfferStatus,
    PriceListPublish,
    SupervisingAuthority,
)
from marketplace.offers.pricing import price_list_rows
from marketplace.offers.service import offer_columns
from marketplace.offers.tables import (
    Offer,
    OfferEvent,
    OfferLegalBasis,
    OfferMethod,
    OfferServiceType,
    OfferTargetGroup,
    PriceList,
)
from marketplace.offers.taxonomy import METHOD_SUGGESTIONS, target_group_records
from marketplace.organisations.reference import municipality_records
from marketplace.organisations.tables import Provider
from marketplace.search import index as search_index

DEMO_NAMESPACE = uuid.UUID("6f1d3c2e-9a57-4c1b-8f3e-2b7d5a9c4e10")
PUBLISHED_OFFERS = 420
DRAFT_OFFERS = 12
SUSPENDED_OFFERS = 8
_NOTE = "Demodata: et fiktivt tilbud."
_REAL_NOTE = (
    "Demoindhold: navnet og status i Nordjysk Socialaftale 2021-2022 er virkelige; "
    "beskrivelse, pladser og priser er fiktive."
)

# Postal-code ranges by region, for plausible demo addresses.
_POSTAL = {
    "1081": (9000, 9990),
    "1082": (7400, 8990),
    "1083": (5000, 7300),
    "1084": (1050, 3700),
    "1085": (4000, 4990),
}
_STREETS = (
    "Skovvej",
    "Engvej",
    "Møllevej",
    "Kirkevej",
    "Bakkevej",
    "Strandvej",
    "Birkevej",
    "Søvej",
    "Parkvej",
    "Toftevej",
    "Præstevænget",
    "Lærkevej",
)
_PLACES = (
    "Engly",
    "Skovbrynet",
    "Solsikken",
    "Fjordglimt",
    "Lærkereden",
    "Birkely",
    "Bakkehuset",
    "Kildevang",
    "Egely",
    "Havblik",
    "Lyngtoppen",
    "Rosenhaven",
    "Åbrinken",
    "Granly",
    "Stjernen",
    "Møllehuset",
    "Nordlys",
    "Kastanjehuset",
    "Tusindfryd",
    "Bøgely",
    "Vibereden",
    "Ådalen",
    "Højbo",
    "Lindegården",
    "Kløverhuset",
    "Mosevang",
    "Svalereden",
    "Ørnereden",
    "Fyrtårnet",
    "Hybenhuset",
    "Rønnebo",
    "Ellehuset",
    "Hvidbjerg",
    "Skovly",
    "Enghaven",
    "Sandbakken",
)

# Temporary stays, shelters, treatment and children's placements take acute placements in the
# demo (by legal basis, so the demo's random choices stay as they were).
_ACUTE_BASES = {"SEL-107", "SEL-109", "SEL-110", "SEL-101", "SEL-101a", "BL-33", "BL-43-1-6"}


@dataclass(frozen=True)
class Kind:
    """A kind of offer: its category, age segment, paragraphs, services and price frame."""

    key: str
    category: str
    segment: str
    prefixes: tuple[str, ...]
    bases: tuple[tuple[str, ...], ...]
    services: tuple[str, ...]
    ages: tuple[int, int]
    unit: str
    price: tuple[int, int]  # DKK per unit
    places: tuple[int, int]
    phrase: str  # what the offer is, in Danish
    covers: tuple[str, ...]
    levels: tuple[str, ...] = ()


KINDS: tuple[Kind, ...] = (
    Kind(
        "bo_laengere",
        "residential",
        "adults",
        ("Botilbuddet", "Bostedet", "Bofællesskabet"),
        (("SEL-108",), ("SEL-108", "SEL-104"), ("SEL-108", "SEL-85")),
        ("ophold", "socialpaedagogisk_stoette", "personlig_hjaelp"),
        (18, 85),
        "per_day",
        (1500, 5200),
        (6, 40),
        "et længerevarende botilbud efter serviceloven",
        (
            "egen bolig med døgndækket socialpædagogisk støtte",
            "hjælp til personlig pleje og måltider",
            "aktiviteter i dagtimerne og i weekenden",
            "sundhedsfaglig koordinering med egen læge og psykiatri",
        ),
        ("Basis", "Udvidet", "Døgnintensiv"),
    ),
    Kind(
        "bo_midlertidig",
        "residential",
        "adults",
        ("Botilbuddet", "Udslusningsboligerne", "Botræningen"),
        (("SEL-107",), ("SEL-107", "SEL-85"), ("SEL-107", "SEL-104")),
        ("ophold", "traening", "socialpaedagogisk_stoette"),
        (18, 65),
        "per_day",
        (1600, 4800),
        (4, 24),
        "et midlertidigt botilbud med fokus på udvikling og udslusning",
        (
            "et midlertidigt ophold med individuel plan for udslusning",
            "træning i at mestre egen hverdag",
            "støtte til uddannelse, beskæftigelse og netværk",
        ),
        ("Basis", "Intensiv"),
    ),
    Kind(
        "boern_dogn",
        "residential",
        "children_and_youth",
        ("Børne- og ungehjemmet", "Opholdsstedet", "Ungehjemmet"),
        (("BL-43-1-6",), ("BL-43-1-6", "BL-32-1-7")),
        ("ophold", "undervisning", "socialpaedagogisk_stoette"),
        (6, 22),
        "per_day",
        (2800, 9000),
        (4, 18),
        "et døgntilbud for børn og unge efter barnets lov",
        (
            "døgnophold med fast kontaktpædagog",
            "skolegang i eget eller samarbejdende skoletilbud",
            "samarbejde med forældre og netværk",
        ),
        ("Basis", "Særligt støttebehov", "Skærmet enkeltmandsforløb"),
    ),
    Kind(
        "aflastning",
        "residential",
        "children_and_youth",
        ("Aflastningshuset", "Aflastningstilbuddet"),
        (("BL-32-1-7",),),
        ("ophold", "fritidsaktivitet"),
        (0, 17),
        "per_day",
        (2200, 6500),
        (4, 14),
        "et aflastningstilbud for børn med betydelig funktionsnedsættelse",
        (
            "aflastningsophold i weekender og ferier",
            "pædagogisk støtte og pleje døgnet rundt",
            "trygge rammer og faste voksne",
        ),
        (),
    ),
    Kind(
        "dag_aktivitet",
        "day",
        "adults",
        ("Aktivitetscentret", "Værestedet", "Dagcentret"),
        (("SEL-104",), ("SEL-104", "SEL-85")),
        ("aktivitet_og_samvaer", "fritidsaktivitet"),
        (18, 99),
        "per_day",
        (500, 1600),
        (10, 60),
        "et aktivitets- og samværstilbud",
        (
            "meningsfulde aktiviteter på hverdage",
            "socialt samvær og fællesspisning",
            "transport efter aftale",
        ),
        (),
    ),
    Kind(
        "dag_beskaeftigelse",
        "day",
        "adults",
        ("Værkstedet", "Beskyttet Beskæftigelse", "Produktionsskolen"),
        (("SEL-103",), ("SEL-103", "SEL-104")),
        ("beskyttet_beskaeftigelse", "traening"),
        (18, 67),
        "per_day",
        (600, 2000),
        (10, 50),
        "et beskyttet beskæftigelsestilbud",
        (
            "arbejde i værksted, køkken eller gartneri",
            "træning af arbejdsevne og sociale færdigheder",
            "opfølgning på mål i handleplanen",
        ),
        (),
    ),
    Kind(
        "boern_dag",
        "day",
        "children_and_youth",
        ("Specialbørnehaven", "Specialklubben", "Fritidstilbuddet"),
        (("BL-83",), ("BL-84",)),
        ("fritidsaktivitet", "traening", "socialpaedagogisk_stoette"),
        (0, 17),
        "per_day",
        (700, 2000),
        (8, 40),
        "et særligt dag- eller klubtilbud for børn og unge",
        (
            "specialpædagogisk støtte i hverdagen",
            "fysio- og ergoterapeutisk træning",
            "tæt forældresamarbejde",
        ),
        (),
    ),
    Kind(
        "bostoette",
        "outpatient",
        "adults",
        ("Bostøtteteamet", "Støtte i eget hjem", "Det mobile team"),
        (("SEL-85",), ("SEL-85", "SEL-82b")),
        ("socialpaedagogisk_stoette", "praktisk_hjaelp", "raadgivning"),
        (18, 99),
        "per_hour",
        (420, 780),
        (20, 120),
        "socialpædagogisk støtte i borgerens eget hjem",
        (
            "støtte til struktur i hverdagen og egen økonomi",
            "ledsagelse til aftaler med myndigheder",
            "hjælp til at opbygge netværk",
        ),
        (),
    ),
    Kind(
        "misbrug",
        "outpatient",
        "adults",
        ("Rusmiddelcentret", "Behandlingscentret", "Ambulant Misbrugsbehandling"),
        (("SEL-101",), ("SUL-141",), ("SEL-101", "SEL-85")),
        ("behandling", "raadgivning"),
        (18, 99),
        "per_month",  # outpatient treatment: a monthly price, not a day's
        (6500, 16000),
        (20, 90),
        "ambulant behandling af rusmiddelproblemer",
        (
            "udredning og individuel behandlingsplan",
            "samtaleterapi individuelt og i grupper",
            "samarbejde med jobcenter og egen læge",
        ),
        (),
    ),
    Kind(
        "familie",
        "outpatient",
        "children_and_youth",
        ("Familiebehandlingen", "Familiehuset", "Rådgivningscentret"),
        (("BL-32-1-5",), ("BL-32-1-5", "BL-32")),
        ("behandling", "raadgivning"),
        (0, 22),
        "per_hour",
        (600, 1100),
        (15, 80),
        "familiebehandling og rådgivning for børn, unge og forældre",
        (
            "familiesamtaler i hjemmet eller i huset",
            "forældretræning og netværksmøder",
            "skriftlig status til sagsbehandleren",
        ),
        (),
    ),
)
_KIND = {k.key: k for k in KINDS}

# Which kinds fit a target group group, and some target groups explicitly.
_KINDS_BY_GROUP = {
    "Fysisk funktionsnedsættelse": (
        "bo_laengere",
        "bo_midlertidig",
        "dag_aktivitet",
        "boern_dag",
        "aflastning",
    ),
    "Psykisk funktionsnedsættelse": (
        "bo_laengere",
        "bo_midlertidig",
        "boern_dogn",
        "dag_aktivitet",
        "dag_beskaeftigelse",
        "bostoette",
        "boern_dag",
    ),
    "Funktionsnedsættelse": ("bo_laengere", "aflastning", "dag_aktivitet", "boern_dag"),
    "Socialt problem": ("bo_midlertidig", "boern_dogn", "bostoette", "misbrug", "familie"),
}
_KINDS_BY_LABEL = {
    "Alkoholmisbrug": ("misbrug", "bo_midlertidig"),
    "Stofmisbrug": ("misbrug", "bo_midlertidig"),
    "Omsorgssvigt": ("boern_dogn", "familie"),
    "Demens": ("bo_laengere", "dag_aktivitet"),
    "Hjemløshed": ("bo_midlertidig", "bostoette"),
}


@dataclass(frozen=True)
class Special:
    """An offer for a small, complex target group of a central announcement."""

    name: str
    kind: str
    groups: tuple[str, ...]
    bases: tuple[str, ...]
    ages: tuple[int, int]
    price: tuple[int, int]
    places: tuple[int, int]
    text: str
    region: str | None = None
    org_code: str | None = None
    unique: str = "none"
    real: bool = False
    coverage: str = "regional"
    lower_occupancy: int | None = None  # a special condition's, approved by the steering group
    methods: tuple[str, ...] = field(default=("Neuropædagogik",))


SPECIALS: tuple[Special, ...] = (
    # The case the search is built for: a young adult with autism and self-harming behaviour.
    Special(
        "Bostedet Tranehøj",
        "bo_midlertidig",
        ("Autismespektrum", "Selvskadende adfærd"),
        ("SEL-107", "SEL-85"),
        (18, 30),
        (3200, 5200),
        (6, 12),
        "døgndækket støtte til unge voksne med autisme og selvskadende adfærd i tæt samarbejde med psykiatrien",
        org_code="1081",
        methods=("Low Arousal", "Mentaliseringsbaseret tilgang"),
    ),
    Special(
        "Ungehuset Kompasset",
        "boern_dogn",
        ("Autismespektrum", "Selvskadende adfærd", "Angst"),
        ("BL-43-1-6",),
        (13, 22),
        (5200, 8200),
        (4, 8),
        "skærmede døgnpladser for unge med autisme, angst og selvskade, med eget skoletilbud",
        region="1082",
        methods=("Low Arousal", "KRAP"),
    ),
    Special(
        "Bofællesskabet Fyrremosen",
        "bo_laengere",
        ("Autismespektrum", "Selvskadende adfærd"),
        ("SEL-108", "SEL-104"),
        (18, 45),
        (3400, 6100),
        (6, 16),
        "længerevarende boliger for voksne med autisme og selvskadende adfærd, med struktur og forudsigelighed",
        region="1083",
        methods=("Struktureret pædagogik (TEACCH)", "Low Arousal"),
    ),
    Special(
        "Birken",
        "boern_dogn",
        ("Udadreagerende adfærd", "Udviklingshæmning"),
        ("BL-43-1-6",),
        (10, 17),
        (6500, 8800),
        (4, 8),
        "skærmede døgnpladser for børn og unge med meget komplekse støttebehov",
        org_code="851",
        unique="emergency_track",
        real=True,
    ),
    Special(
        "Kvisten",
        "bo_laengere",
        ("Autismespektrum", "Udadreagerende adfærd"),
        ("SEL-108", "SEL-104"),
        (18, 40),
        (5200, 7900),
        (4, 10),
        "højt specialiserede boformer for unge voksne med autisme og udadreagerende adfærd",
        org_code="1081",
        unique="emergency_track",
        real=True,
    ),
    Special(
        "Center for Døvblindhed og Høretab",
        "bo_laengere",
        ("Medfødt døvblindhed", "Erhvervet døvblindhed", "Hørenedsættelse"),
        ("SEL-108", "SEL-104"),
        (18, 90),
        (4200, 7600),
        (10, 30),
        "bo- og dagtilbud for mennesker med døvblindhed, med kommunikation på taktilt tegnsprog",
        org_code="1081",
        real=True,
        # seed 003: among the national offers KL follows, challenged on its sustainability
        coverage="national",
        methods=("Totalkommunikation", "Taktil kommunikation"),
    ),
    Special(
        "Sikret Afdeling Vesterhavet",
        "bo_laengere",
        ("Udviklingshæmning", "Personfarlig kriminalitet"),
        ("SEL-108",),
        (18, 70),
        (7200, 9000),
        (6, 14),
        "sikrede pladser efter servicelovens § 108 for borgere med udviklingshæmning og dom til anbringelse",
        region="1082",
        coverage="supra_regional",
    ),
    Special(
        "Sikret Afdeling Kongshøj",
        "bo_laengere",
        ("Udviklingshæmning", "Personfarlig kriminalitet", "Seksuelt krænkende adfærd"),
        ("SEL-108",),
        (18, 70),
        (7000, 9000),
        (6, 12),
        "sikrede og skærmede pladser for udviklingshæmmede med dom, med tæt samarbejde med kriminalforsorgen",
        region="1085",
        coverage="supra_regional",
    ),
    Special(
        "Moderhuset Fjordbo",
        "bo_midlertidig",
        ("Stofmisbrug", "Alkoholmisbrug"),
        ("SEL-107", "SEL-101"),
        (18, 45),
        (3800, 6200),
        (4, 10),
        "døgnbehandling for gravide med skadeligt rusmiddelbrug, fra graviditet til barnets første leveår",
        region="1083",
    ),
    Special(
        "Gravidehuset Lysning",
        "bo_midlertidig",
        ("Stofmisbrug", "Alkoholmisbrug", "Andet socialt problem"),
        ("SEL-107", "SEL-101"),
        (18, 45),
        (3600, 6000),
        (4, 8),
        "højt specialiseret døgnbehandling for gravide rusmiddelbrugere med tæt samarbejde med familieambulatoriet",
        region="1084",
    ),
    Special(
        "Spiseforstyrrelsescentret Nord",
        "bo_midlertidig",
        ("Spiseforstyrrelse", "Selvskadende adfærd"),
        ("SEL-107", "SEL-85"),
        (18, 35),
        (3900, 6800),
        (6, 12),
        "socialt rehabiliterende døgnforløb for unge voksne med svære spiseforstyrrelser",
        region="1081",
        lower_occupancy=85,  # DAS approves 85% as a special condition (demo/agreements.py)
    ),
    Special(
        "Ungehjemmet Balance",
        "boern_dogn",
        ("Spiseforstyrrelse", "Angst"),
        ("BL-43-1-6",),
        (12, 17),
        (6200, 8900),
        (4, 8),
        "døgnophold for børn og unge med svære spiseforstyrrelser efter hospitalsbehandling",
        region="1082",
    ),
    Special(
        "Hjerneskadecentret Kystlyset",
        "bo_laengere",
        ("Erhvervet hjerneskade", "Kommunikationsnedsættelse"),
        ("SEL-108", "SEL-104"),
        (18, 80),
        (3800, 7400),
        (10, 36),
        "længerevarende botilbud for voksne med kompleks erhvervet hjerneskade",
        region="1084",
    ),
    Special(
        "Neurocentret Ådalen",
        "bo_midlertidig",
        ("Erhvervet hjerneskade", "Anden intellektuel/kognitiv forstyrrelse"),
        ("SEL-107", "SEL-85"),
        (18, 70),
        (3500, 6900),
        (8, 20),
        "midlertidigt rehabiliteringsophold efter senhjerneskade, med neuropsykologisk udredning",
        region="1083",
    ),
    Special(
        "Synscentret for Børn og Unge",
        "familie",
        ("Synsnedsættelse", "Multipel funktionsnedsættelse"),
        ("BL-32",),
        (0, 17),
        (700, 1100),
        (20, 60),
        "specialrådgivning og punktskriftundervisning for børn og unge med alvorlig synsnedsættelse",
        region="1082",
        methods=("Punktskrift", "Mobility-træning"),
    ),
    Special(
        "Synsteamet Øst",
        "familie",
        ("Synsnedsættelse",),
        ("BL-32",),
        (0, 17),
        (650, 1050),
        (15, 50),
        "vejledning til familier, daginstitutioner og skoler om børn med alvorlig synsnedsættelse",
        region="1084",
        methods=("Punktskrift",),
    ),
)


def _oid(key: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, key)


_CHILD_METHODS = (
    "ICS - Integrated Children's System",
    "Marte Meo",
    "Traumebevidst omsorg",
    "Relationspædagogik",
    "Neuropædagogik",
    "Low Arousal",
    "Udviklingsstøttende tilgang",
    "KRAP",
)
_ADULT_METHODS = tuple(
    m for m in METHOD_SUGGESTIONS if m not in {"ICS - Integrated Children's System", "Marte Meo"}
)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} og {items[-1]}"


def _description(
    rng: random.Random,
    kind: Kind,
    name: str,
    groups: list[str],
    methods: list[str],
    places: int,
    extra: str = "",
) -> str:
    who = "børn og unge" if kind.segment == "children_and_youth" else "voksne"
    target = " og ".join(g.lower() for g in groups[:2])
    opening = rng.choice(
        (
            f"{name} er {kind.phrase} for {who} med {target}.",
            f"{name} tilbyder {kind.phrase.removeprefix('et ').removeprefix('en ')} til {who} med {target}.",
            f"Hos {name} møder {who} med {target} {kind.phrase.removeprefix('et ').removeprefix('en ')}.",
        )
    )
    if extra:
        opening += f" Tilbuddet har {extra}."
    covers = rng.sample(kind.covers, k=min(len(kind.covers), rng.randint(2, 3)))
    body = f" Grundtaksten dækker {_and(covers)}."
    approach = rng.choice(
        (
            f" Vi arbejder ud fra {_and(methods)}.",
            f" Den faglige tilgang bygger på {_and(methods)}.",
            f" Medarbejderne er uddannet i {_and(methods)}.",
        )
    )
    size = rng.choice(
        (
            f" Der er {places} pladser, og personalet består af pædagoger, social- og sundhedsassistenter og en psykolog.",
            f" Tilbuddet har {places} pladser og en fast tværfaglig personalegruppe.",
            f" Med {places} pladser er tilbuddet lille nok til, at alle kender hinanden.",
        )
    )
    return opening + body + approach + size


@dataclass(frozen=True)
class _Terms:
    """What the agreement's rules ask of an offer's price list."""

    region: str
    acute_or_respite: bool
    lower_occupancy: int | None = None


def _price_list(
    rng: random.Random,
    kind: Kind,
    price_range: tuple[int, int],
    year: int,
    vat: bool,
    terms: _Terms,
) -> PriceListPublish:
    base = rng.randint(*price_range)
    levels = []
    if kind.levels and rng.random() < 0.6:
        steps = kind.levels[: rng.randint(2, len(kind.levels))]
        for i, level in enumerate(steps):
            levels.append(
                {
                    "name": level,
                    "covers": f"{level}: {kind.covers[i % len(kind.covers)]}",
                    "price": Decimal(round(base * (1 + 0.35 * i))),
                }
            )
    add_ons = []
    if kind.category == "residential" and rng.random() < 0.5:
        add_ons.append(
            {
                "name": "Ekstra 1:1-støtte",
                "description": "Individuel støtte ud over grundtaksten efter forudgående aftale med kommunen",
                "unit": "per_hour",
                "price": Decimal(rng.randint(380, 520)),
            }
        )
    return PriceListPublish.model_validate(
        {
            "year": year,
            "unit": kind.unit,
            "base_price": Decimal(base),
            "levels": levels,
            "add_ons": add_ons,
            "accepts_special_arrangements": kind.category == "residential" and rng.random() < 0.5,
            "vat_included": vat,
            "overhead_percent": fit.overhead(rng, terms.region),
            "budgeted_occupancy_percent": fit.occupancy(
                rng, kind.category, kind.unit, terms.acute_or_respite, terms.lower_occupancy
            ),
        }
    )


def _next_year(command: PriceListPublish, rng: random.Random) -> PriceListPublish:
    """Next year's price list: this year's, every price indexed by one plausible rate."""
    factor = 1 + rng.uniform(*fit.INDEX)
    data = command.model_dump()
    data["year"] = command.year + 1
    data["base_price"] = fit.indexed(command.base_price, factor)
    for item in (*data["levels"], *data["add_ons"]):
        item["price"] = fit.indexed(item["price"], factor)
    return PriceListPublish.model_validate(data)


@dataclass
class _Batch:
    offers: list[Offer] = field(default_factory=list)
    links: list[object] = field(default_factory=list)
    price_lists: list[PriceList] = field(default_factory=list)
    price_rows: list[object] = field(default_factory=list)
    events: list[OfferEvent] = field(default_factory=list)

    async def write(self) -> None:
        for rows in (self.offers, self.links, self.price_lists, self.price_rows, self.events):
            by_table: dict[type, list[object]] = {}
            for row in rows:
                by_table.setdefault(type(row), []).append(row)
            for table, items in by_table.items():
                await table.insert(*items).run()  # type: ignore[attr-defined]
        await search_index.refresh([offer.id for offer in self.offers], today())


PlanItem = tuple[str, Special | None, Kind, list[str], dict[str, object]]


def _occupied(rng: random.Random, places: int) -> int:
    """Places in use as specialised offers run: most full, many with one place free, some
    with more."""
    draw = rng.random()
    if draw < 0.55:
        return places
    if draw < 0.85:
        return places - 1
    return rng.randint(int(places * 0.7), max(places - 2, int(places * 0.7)))


def _plan(providers: list[dict[str, object]], total: int) -> list[PlanItem]:
    """Which offers to make: (key, special, kind, target groups, provider)."""
    rng = random.Random(20261123)
    groups = target_group_records()
    by_org = {str(p["org_code"]): p for p in providers}
    by_region: dict[str, list[dict[str, object]]] = {}
    for p in providers:
        by_region.setdefault(str(p["region"]), []).append(p)
    regions = sorted(by_region)
    plan: list[PlanItem] = []
    for special in SPECIALS:
        owner = by_org.get(special.org_code or "") or rng.choice(
            by_region[special.region or regions[0]]
        )
        plan.append(
            (f"special:{special.name}", special, _KIND[special.kind], list(special.groups), owner)
        )
    for i in range(total - len(SPECIALS)):
        group = groups[i % len(groups)]
        kinds = _KINDS_BY_LABEL.get(group.label_da) or _KINDS_BY_GROUP[group.group_da]
        fitting = [k for k in kinds if fit.fits_segment(group.label_da, _KIND[k].segment)]
        kind = _KIND[rng.choice(fitting)]
        companions = fit.companions(rng, group.label_da, kind.segment, rng.randint(0, 2))
        # each pass over the groups starts one region further on, so every group is in every region
        owner = rng.choice(by_region[regions[(i + i // len(groups)) % len(regions)]])
        plan.append((f"offer:{i}", None, kind, [group.label_da, *companions], owner))
    return plan


async def seed_demo_offers(
    on_each: Callable[[], None] | None = None, *, chunk: int = 60, count: int | None = None
) -> int:
    """Add the demo offers that are missing; return how many were added.

    ``count`` makes a larger (or smaller) catalogue of the same kind, for benchmarks: all
    published but the last drafts and suspended ones, as in the demo.
    """
    providers = await Provider.select(
        Provider.id,
        Provider.org_code,
        Provider.owner_type,
        Provider.municipality._.region.as_alias("region"),
    ).run()
    if not providers:
        return 0
    plan = _plan(providers, count or planned_offer_count())
    existing = {row["id"] for row in await Offer.select(Offer.id).run()}
    label_to_code = {g.label_da: g.code for g in target_group_records()}
    municipalities = municipality_records()
    year = today().year
    now = utcnow()
    added = 0
    batch = _Batch()
    for index, (key, special, kind, groups, provider) in enumerate(plan):
        if on_each is not None:
            on_each()
        offer_id = _oid(key)
        if offer_id in existing:
            continue
        rng = random.Random(key)
        region = str(provider["region"])
        candidates = [m for m in municipalities if m.region_code == region]
        if provider["owner_type"] == "municipal":
            candidates = [m for m in candidates if m.code == provider["org_code"]]
        place = rng.choice(candidates)
        name = special.name if special else f"{rng.choice(kind.prefixes)} {rng.choice(_PLACES)}"
        if not special:
            name = f"{name} {place.seat}" if rng.random() < 0.5 else name
        pool = _CHILD_METHODS if kind.segment == "children_and_youth" else _ADULT_METHODS
        methods = list(special.methods) if special else rng.sample(pool, k=rng.randint(1, 3))
        places = rng.randint(*(special.places if special else kind.places))
        description = _description(
            rng, kind, name, groups, methods, places, special.text if special else ""
        )
        description += " " + (_REAL_NOTE if special and special.real else _NOTE)
        bases = list(special.bases) if special else list(rng.choice(kind.bases))
        ages = special.ages if special else kind.ages
        low, high = _POSTAL[region]
        content = OfferContent.model_validate(
            {
                "name": name,
                "description": description,
                "category": kind.category,
                "age_segment": kind.segment,
                "min_age": ages[0],
                "max_age": ages[1],
                "legal_bases": bases,
                "service_types": list(kind.services),
                "target_groups": [label_to_code[g] for g in groups],
                "primary_target_group": label_to_code[groups[0]],
                "methods": methods,
                "street_address": f"{rng.choice(_STREETS)} {rng.randint(1, 120)}",
                "postal_code": str(rng.randint(low, high)),
                "city": place.seat,
                "municipality_code": place.code,
                "latitude": round(place.latitude + rng.uniform(-0.04, 0.04), 5),
                "longitude": round(place.longitude + rng.uniform(-0.06, 0.06), 5),
                "unique_status": special.unique if special else "none",
                "takes_acute": bool(_ACUTE_BASES & set(bases)),
                "coverage": special.coverage if special else "regional",
                "capacity_places": places,
                "occupied_places": _occupied(rng, places),
            }
        )
        if content.supervising_authority is SupervisingAuthority.SOCIALTILSYN:
            content = OfferContent.model_validate(
                content.model_dump()
                | {
                    "approval_status": "approved",
                    "approved_places": places + rng.choice((0, 0, 2)),
                    "approved_on": datetime.date(
                        rng.randint(2015, year - 1), rng.randint(1, 12), rng.randint(1, 28)
                    ),
                }
            )
        if content.occupied_places == content.capacity_places and rng.random() < 0.6:
            content = content.model_copy(
                update={
                    "expected_free_from": today() + datetime.timedelta(days=rng.randint(14, 200))
                }
            )
        # opened well before its first contracts: the demo's begin up to two years back, and
        # Rebild's § 85 cases (seed 003) up to seven years back in a home-support team
        opened = datetime.datetime(
            year - (10 if kind.key == "bostoette" else 3),
            rng.randint(1, 6),
            rng.randint(1, 28),
            9,
            tzinfo=datetime.UTC,
        )
        created = opened - datetime.timedelta(days=rng.randint(14, 60))
        status = OfferStatus.PUBLISHED
        if index >= len(plan) - DRAFT_OFFERS:
            status = OfferStatus.DRAFT
        elif index >= len(plan) - DRAFT_OFFERS - SUSPENDED_OFFERS:
            status = OfferStatus.SUSPENDED
        batch.offers.append(
            Offer(
                id=offer_id,
                provider=provider["id"],
                status=status.value,
                is_demo=True,
                published_at=opened if status is not OfferStatus.DRAFT else None,
                created_at=created,
                updated_at=now,
                **offer_columns(content),
            )
        )
        batch.links += [
            OfferLegalBasis(offer=offer_id, legal_basis=b.value) for b in content.legal_bases
        ]
        batch.links += [
            OfferServiceType(offer=offer_id, service_type=s) for s in content.service_types
        ]
        batch.links += [
            OfferTargetGroup(
                offer=offer_id, target_group=c, is_primary=c == content.primary_target_group
            )
            for c in content.target_groups
        ]
        batch.links += [
            OfferMethod(offer=offer_id, term=t, term_key=t.casefold()) for t in content.methods
        ]
        vat = provider["owner_type"] == "private" and rng.random() < 0.5
        price_range = special.price if special else kind.price
        terms = _Terms(
            region,
            fit.is_acute_or_respite(bases, content.takes_acute),
            special.lower_occupancy if special else None,
        )
        this_year = _price_list(rng, kind, price_range, year, vat, terms)
        for command in (this_year, _next_year(this_year, rng)):
            head, levels, add_ons = price_list_rows(
                _oid(f"{key}:prices:{command.year}"),
                offer_id,
                command,
                version=1,
                valid_from=datetime.date(command.year, 1, 1),
                published_by=SYSTEM.subject or "system",
            )
            batch.price_lists.append(head)
            batch.price_rows += [*levels, *add_ons]
        batch.events.append(
            OfferEvent(
                id=_oid(f"{key}:created"),
                offer=offer_id,
                at=created,
                kind="created",
                to_status="draft",
                reason="",
                detail="demo data",
                actor="system",
                fields=[],
            )
        )
        if status is not OfferStatus.DRAFT:
            batch.events.append(
                OfferEvent(
                    id=_oid(f"{key}:published"),
                    offer=offer_id,
                    at=opened,
                    kind="published",
                    from_status="draft",
                    to_status="published",
                    reason="Demodata",
                    detail="",
                    actor="system",
                    fields=[],
                )
            )
        if status is OfferStatus.SUSPENDED:
            batch.events.append(
                OfferEvent(
                    id=_oid(f"{key}:suspended"),
                    offer=offer_id,
                    at=now + datetime.timedelta(microseconds=2),
                    kind="suspended",
                    from_status="published",
                    to_status="suspended",
                    reason="Demodata: midlertidigt lukket for indskrivning",
                    detail="",
                    actor="system",
                    fields=[],
                )
            )
        added += 1
        if len(batch.offers) >= chunk:
            async with write_transaction():
                await batch.write()
            batch = _Batch()
    if batch.offers:
        async with write_transaction():
            await batch.write()
    return added


def planned_offer_count() -> int:
    return PUBLISHED_OFFERS + DRAFT_OFFERS + SUSPENDED_OFFERS
