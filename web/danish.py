"""Error messages in Danish: the services speak English to API clients; a page says the
same in Danish. A validation error is worded from its kind; a domain error from the
catalogue below, else from its code."""

from __future__ import annotations

import re
from typing import Any

from marketplace.core.errors import ErrorCode

# pydantic's error kinds (and the domain's own, from PydanticCustomError) in Danish.
KINDS: dict[str, str] = {
    "missing": "Skal udfyldes.",
    "required": "Skal udfyldes.",
    "string_too_short": "Skal være mindst {min_length} tegn.",
    "string_too_long": "Må højst være {max_length} tegn.",
    "too_short": "Vælg mindst {min_length}.",
    "too_long": "Højst {max_length}.",
    "greater_than": "Skal være større end {gt}.",
    "greater_than_equal": "Skal være mindst {ge}.",
    "less_than": "Skal være mindre end {lt}.",
    "less_than_equal": "Må højst være {le}.",
    "int_parsing": "Skriv et helt tal.",
    "int_type": "Skriv et helt tal.",
    "int_from_float": "Skriv et helt tal.",
    "float_parsing": "Skriv et tal.",
    "decimal_parsing": "Skriv et beløb, fx 1234,50.",
    "decimal_type": "Skriv et beløb, fx 1234,50.",
    "decimal_max_places": "Højst {decimal_places} decimaler.",
    "decimal_max_digits": "Tallet er for stort.",
    "date_parsing": "Skriv en dato som åååå-mm-dd.",
    "date_from_datetime_parsing": "Skriv en dato som åååå-mm-dd.",
    "date_type": "Skriv en dato som åååå-mm-dd.",
    "datetime_parsing": "Skriv et tidspunkt.",
    "enum": "Vælg en af mulighederne.",
    "literal_error": "Vælg en af mulighederne.",
    "bool_parsing": "Vælg ja eller nej.",
    "uuid_parsing": "Henvisningen er ikke gyldig.",
    "string_pattern_mismatch": "Har ikke den rigtige form.",
    "invalid_cpr": "CPR-nummeret er ikke gyldigt: skriv ddmmåå-xxxx med en rigtig fødselsdato.",
    "unknown_municipality": "Ukendt kommune.",
    "unknown_region": "Ukendt region.",
    "invalid_cvr": "CVR-nummeret er ikke gyldigt.",
}

# English messages of the services and models, and what a page says instead.
CATALOGUE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), da)
    for p, da in [
        (r"max_age must not be below min_age", "Højeste alder må ikke være under laveste alder."),
        (
            r"an offer for adults must admit",
            "Et tilbud til voksne skal kunne modtage personer på 18 år eller mere.",
        ),
        (
            r"an offer for children and youth must admit",
            "Et tilbud til børn og unge skal kunne modtage personer under 18 år.",
        ),
        (r"the same .* is listed twice", "Det samme er valgt to gange."),
        (r"Not an e-mail address", "Det er ikke en e-mailadresse."),
        (r"At most (\d+) addresses", "Organisationen kan højst have {0} adresser."),
        (r"No such e-mail address of yours", "Adressen findes ikke blandt jeres."),
        (r"does not fit a (\w+) offer", "Paragraffen passer ikke til tilbudstypen."),
        (
            r"the primary target group must be one of",
            "Den primære målgruppe skal være en af målgrupperne.",
        ),
        (
            r"capacity cannot exceed the (\d+) approved",
            "Kapaciteten kan ikke overstige de {0} godkendte pladser.",
        ),
        (
            r"occupied places cannot exceed the capacity",
            "Optagne pladser kan ikke overstige kapaciteten.",
        ),
        (
            r"an approval needs the approved places",
            "En godkendelse skal have antal godkendte pladser og dato.",
        ),
        (
            r"latitude and longitude are given together",
            "Angiv både breddegrad og længdegrad eller ingen af dem.",
        ),
        (
            r"State the overhead: the agreement caps it at (\S+)\.",
            "Angiv administrationsprocenten: aftalen sætter loftet til {0}.",
        ),
        (
            r"Overhead (\S+) is above the agreement's cap of (\S+)\.",
            "Administrationsprocenten {0} er over aftalens loft på {1}.",
        ),
        (
            r"State the budgeted occupancy: the agreement asks (\S+) to (\S+)\.",
            "Angiv den budgetterede belægningsprocent: aftalen kræver {0} til {1}.",
        ),
        (
            r"Budgeted occupancy (\S+) is outside the agreement's band.*: (\S+) to (\S+)\.",
            "Den budgetterede belægningsprocent {0} ligger uden for aftalens interval: {1} til {2}.",
        ),
        (r"Say why the request is refused", "Skriv hvorfor anmodningen ikke godkendes."),
        (
            r"An approver decides on others' requests",
            "En godkender beslutter om andres anmodninger, ikke sine egne.",
        ),
        (r"Only the municipality's approvers decide", "Kun kommunens godkendere kan beslutte det."),
        (r"in the emergency track", "i nødsporet"),
        (
            r"a unique offer in the reinforced cooperation",
            "unikt tilbud i det forstærkede samarbejde",
        ),
        (
            r"occupancy below the agreement's (\S+)% at the last (\d+) month-ends(.*)",
            "belægning under aftalens {0} % ved de sidste {1} månedsafslutninger{2}",
        ),
        (r"Give the month as YYYY-MM", "Skriv måneden som åååå-mm."),
        (
            r"The period (\S+) to (\S+) is not over: it can be invoiced from (\S+)\.",
            "Perioden {0} til {1} er ikke gået: den kan faktureres fra {2}.",
        ),
        (
            r"The period is invoiced already: invoice (\d+)",
            "Perioden er allerede faktureret (faktura {0}).",
        ),
        (
            r"Nothing to invoice: no contract of (\S+) is billed",
            "Intet at fakturere: ingen kontrakter med kommunen betales i perioden.",
        ),
        (
            r"A credit note credits at most what is left of invoice (\d+): (\S+) DKK",
            "En kreditnota krediterer højst det, der er tilbage af faktura {0}: {1} kr.",
        ),
        (r"(\S+) has not begun", "Måneden er ikke begyndt."),
        (r"The contract does not run in", "Kontrakten løber ikke i den måned."),
        (
            r"The contract is not priced per hour in",
            "Kontrakten er ikke prissat pr. time i den måned.",
        ),
        (
            r"More than (.+) holds: the contract runs (\d+) days in it, at most (\d+) hours",
            "Flere timer, end måneden rummer: kontrakten løber {1} dage i den, højst {2} timer.",
        ),
        (
            r"is invoiced \(invoice (\d+)\): its hours no longer change",
            "Måneden er faktureret (faktura {0}): timerne kan ikke ændres længere; en rettelse er en kreditnota.",
        ),
        (r"Name at least one target group", "Vælg mindst én målgruppe."),
        (r"Name at least one legal basis", "Vælg mindst ét lovgrundlag."),
        (r"Give the offer's address and municipality", "Angiv tilbuddets adresse og kommune."),
        (r"Give the number of places the offer has", "Angiv tilbuddets antal pladser."),
        (
            r"The socialtilsyn supervises this offer",
            "Socialtilsynet fører tilsyn med tilbuddet: det skal være godkendt, før det "
            "offentliggøres.",
        ),
        (r"Publish a price list for (\d+) first", "Offentliggør først takster for {0}."),
        (r"two price levels have the same name", "To niveauer har samme navn."),
        (r"two add-on services have the same name", "To tillægsydelser har samme navn."),
        (r"valid_from must lie in the price list's year", "Gyldig fra skal ligge i taksternes år."),
        (r"the follow-up date lies before the start", "Opfølgningsdatoen ligger før starten."),
        (r"say why, when the reason is OTHER", "Skriv en begrundelse, når årsagen er »Andet«."),
        (
            r"a special arrangement needs a review date",
            "En særlig aftale skal have en revisionsdato.",
        ),
        (
            r"Only the provider's own administrators",
            "Kun tilbuddets egne administratorer kan gøre det.",
        ),
        (r"A closed offer cannot change", "Et lukket tilbud kan ikke ændres."),
        (
            r"(\d+) place\(s\) are under contract from today",
            "{0} plads(er) er under kontrakt fra i dag: pladserne skal dække dem og de optagne pladser.",
        ),
        (
            r"Describe what the base price covers",
            "Beskriv, hvad grundtaksten dækker (mindst 20 tegn).",
        ),
        (r"Give a reason for the change", "Skriv en begrundelse for ændringen."),
        (r"A (\w+) offer cannot be (\w+)", "Tilbuddets status tillader ikke den ændring."),
        (r"The price list has no level", "Taksterne har ikke det niveau."),
        (r"A closed offer takes no new prices", "Et lukket tilbud kan ikke få nye takster."),
        (
            r"Price lists are published for (\d+) to (\d+)",
            "Takster offentliggøres for {0} til {1}.",
        ),
        (
            r"Only private providers charge VAT",
            "Kun private tilbud opkræver moms; offentlige takster er uden moms.",
        ),
        (
            r"changes only as a new version with a reason",
            "Takster, der er i kraft eller i brug, ændres kun som en ny version med en begrundelse.",
        ),
        (
            r"A correction cannot take effect before today",
            "En rettelse kan ikke gælde fra før i dag.",
        ),
        (
            r"A new version cannot take effect before version",
            "En ny version kan ikke gælde fra før den forrige version.",
        ),
        (
            r"The offer is not approved under that paragraph",
            "Tilbuddet er ikke godkendt efter den paragraf.",
        ),
        (r"The offer names no legal basis", "Tilbuddet har ingen lovgrundlag."),
        (
            r"The desired start cannot lie in the past",
            "Den ønskede start kan ikke ligge i fortiden.",
        ),
        (
            r"The citizen will be (\d+) at the start; the offer takes ages (\d+) to (\d+)",
            "Borgeren er {0} år ved starten; tilbuddet modtager {1}-{2}-årige.",
        ),
        (r"The offer takes no acute placements", "Tilbuddet modtager ikke akutte anbringelser."),
        (r"The request is .*, not ", "Anmodningen har ikke den status, det kræver."),
        (r"The offer is (\w+): it takes no one in now", "Tilbuddet modtager ikke nogen lige nu."),
        (
            r"no free place|no place is free|is full|capacity",
            "Der er ingen ledig plads på tilbuddet fra den dato.",
        ),
        (r"The start cannot lie in the past", "Starten kan ikke ligge i fortiden."),
        (r"The proposal is .*, not open", "Modforslaget er ikke længere åbent."),
        (r"Say why the proposal is rejected", "Skriv hvorfor modforslaget afvises."),
        (r"Notice has already been given", "Der er allerede givet opsigelse."),
        (r"The contract already ends on", "Kontrakten har allerede en slutdato."),
        (r"The contract is (\w+)", "Kontrakten kan ikke ændres i sin nuværende status."),
        (r"There is no such", "Findes ikke."),
        (r"Sign in to do this", "Log ind for at gøre det."),
        (r"This needs the role", "Din rolle giver ikke adgang til det."),
        (r"CPR", "CPR-nummeret er ikke gyldigt."),
    ]
]

BY_CODE: dict[ErrorCode, str] = {
    ErrorCode.INVALID: "Værdien er ikke gyldig.",
    ErrorCode.REQUIRED: "Skal udfyldes.",
    ErrorCode.NOT_FOUND: "Findes ikke.",
    ErrorCode.UNKNOWN_REGION: "Ukendt region.",
    ErrorCode.UNKNOWN_MUNICIPALITY: "Ukendt kommune.",
    ErrorCode.INVALID_CVR: "CVR-nummeret er ikke gyldigt.",
    ErrorCode.DUPLICATE: "Findes allerede.",
    ErrorCode.UNAUTHENTICATED: "Log ind for at gøre det.",
    ErrorCode.PERMISSION_DENIED: "Du har ikke adgang til at gøre det.",
    ErrorCode.INVALID_CPR: "CPR-nummeret er ikke gyldigt.",
    ErrorCode.CAPACITY_EXHAUSTED: "Der er ingen ledig plads på tilbuddet fra den dato.",
    ErrorCode.INVALID_STATE: "Det kan ikke lade sig gøre i den nuværende status.",
    ErrorCode.IDEMPOTENCY_KEY_REUSED: "Formularen er allerede sendt.",
    ErrorCode.RULE_BROKEN: "Det strider mod en regel i aftalen eller på tilbuddet.",
    ErrorCode.NO_MATCHING_OFFER: "Intet tilbud passer.",
    ErrorCode.PERSONAL_DATA_IN_TEXT: "Feltet ser ud til at indeholde et CPR-nummer. Udelad det: "
    "borgeren nævnes med sagsreferencen, og et CPR-nummer skrives kun i CPR-feltet.",
    ErrorCode.BAD_REQUEST: "Forespørgslen kunne ikke læses.",
    ErrorCode.RATE_LIMITED: "For mange forespørgsler. Vent lidt og prøv igen.",
    ErrorCode.TIMEOUT: "Det tog for lang tid. Prøv igen.",
    ErrorCode.UNAVAILABLE: "Tjenesten er midlertidigt utilgængelig. Prøv igen om lidt.",
    ErrorCode.INTERNAL: "Der skete en fejl.",
}


def message(code: ErrorCode | str, english: str) -> str:
    """The Danish for a domain error: the catalogue's wording if it knows the message,
    else what the code means."""
    worded = _catalogue(english)
    if worded is not None:
        return worded
    known = {c.value for c in ErrorCode}
    chosen = ErrorCode(code) if str(code) in known else ErrorCode.INVALID
    return BY_CODE.get(chosen, BY_CODE[ErrorCode.INVALID])


def _catalogue(english: str) -> str | None:
    for pattern, danish in CATALOGUE:
        found = pattern.search(english)
        if found:
            return danish.format(*found.groups())
    return None


def phrase(english: str) -> str:
    """The catalogue's Danish for a domain phrase shown on a page (the English if it has
    none, so nothing is hidden)."""
    return _catalogue(english) or english


def validation_message(kind: str, context: dict[str, Any] | None, english: str) -> str:
    """The Danish for one pydantic error."""
    if kind in KINDS:
        values = {k: _shown(v) for k, v in (context or {}).items()}
        if kind == "string_too_short" and values.get("min_length") == "1":
            return KINDS["missing"]
        try:
            return KINDS[kind].format(**values)
        except (KeyError, IndexError):
            return KINDS[kind].split("{")[0].rstrip() or BY_CODE[ErrorCode.INVALID]
    return message(ErrorCode.INVALID, english)


def _shown(value: Any) -> str:
    text = str(value)
    return text.replace(".", ",") if isinstance(value, float) else text
