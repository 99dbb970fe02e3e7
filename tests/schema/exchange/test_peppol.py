"""Issued invoices as PEPPOL BIS Billing 3.0 UBL documents, validated against the UBL 2.1 XSD
and the EN 16931 and PEPPOL BIS 3 schematron (compiled XSLT run with saxonche), both copied
with their licences into tests/data/peppol."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from functools import cache
from pathlib import Path

import httpx
import pytest
from lxml import etree

from marketplace.contracts import invoices
from marketplace.contracts.models import CreditNoteIssue, InvoiceIssue, InvoiceView
from marketplace.core.identity import Role
from marketplace.organisations import identifiers
from tests.conftest import GraphQL, token
from tests.factories import REGISTRY_ADMIN
from tests.marketplace.contracts.invoicing import backdate, hourly_contract, hourly_offer, vat_offer
from tests.marketplace.contracts.world import (
    AALBORG_PROVIDER_ADMIN,
    AARHUS,
    ENGLY_ADMIN,
    build_market,
    contract_for,
)

PEPPOL = Path(__file__).resolve().parents[2] / "data" / "peppol"
NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
AARHUS_GLN = "5798000000018"
AARHUS_CVR = "55133018"
AALBORG_CVR = "29189420"
BUYER = ("751", Role.PURCHASER)


@cache
def _xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(PEPPOL / "ubl-2.1/xsd/maindoc/UBL-Invoice-2.1.xsd")))


def xsd_errors(document: bytes) -> list[str]:
    schema = _xsd()
    schema.validate(etree.fromstring(document))
    return [f"{e.line}: {e.message}" for e in schema.error_log]


def failed_asserts(document: bytes) -> dict[str, list[str]]:
    """The failed assertions (with their flag) of each rule set."""
    saxonche = pytest.importorskip("saxonche")
    found: dict[str, list[str]] = {}
    with saxonche.PySaxonProcessor(license=False) as processor:
        xslt = processor.new_xslt30_processor()
        source = processor.parse_xml(xml_text=document.decode("utf-8"))
        for name in ("CEN-EN16931-UBL", "PEPPOL-EN16931-UBL"):
            compiled = xslt.compile_stylesheet(stylesheet_file=str(PEPPOL / f"xslt/{name}.xslt"))
            svrl = compiled.transform_to_string(xdm_node=source)
            found[name] = [
                f"{m.group(1)} {m.group(2)}"
                for m in re.finditer(
                    r'<svrl:failed-assert\b[^>]*?\bid="([^"]+)"[^>]*?\bflag="([^"]+)"', svrl
                )
            ]
    return found


def _text(document: bytes, path: str) -> list[str]:
    return [e.text or "" for e in etree.fromstring(document).iterfind(path, NS)]


async def _get(
    client: httpx.AsyncClient, invoice: InvoiceView, as_: tuple[str, Role]
) -> httpx.Response:
    return await client.get(
        "/exports/invoices.xml",
        params={"invoiceId": str(invoice.id)},
        headers={"Authorization": f"Bearer {token(*as_)}"},
    )


async def _vat_invoice() -> InvoiceView:
    market = await build_market()
    offer = await vat_offer(market)
    contract = await contract_for(offer, buyer=AARHUS, citizen_ref="SAG-7")
    await backdate(contract, datetime.date(2026, 1, 10))
    return await invoices.issue_invoice(
        ENGLY_ADMIN,
        market.provider_id,
        InvoiceIssue(municipality_code="751", month=datetime.date(2026, 1, 1)),
    )


async def test_a_private_providers_invoice_is_valid_peppol(client: httpx.AsyncClient) -> None:
    invoice = await _vat_invoice()
    await identifiers.set_party_identifiers(AARHUS, "751", cvr=AARHUS_CVR, gln=AARHUS_GLN)

    response = await _get(client, invoice, ("43389424", Role.PROVIDER_ADMIN))

    assert response.status_code == 200, response.text
    document = response.content
    assert xsd_errors(document) == []
    assert failed_asserts(document) == {"CEN-EN16931-UBL": [], "PEPPOL-EN16931-UBL": []}
    assert _text(document, "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID") == ["43389424"]
    assert _text(document, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID") == [AARHUS_GLN]
    assert _text(document, ".//cac:PartyLegalEntity/cbc:CompanyID") == ["43389424", AARHUS_CVR]
    payable = _text(document, "cac:LegalMonetaryTotal/cbc:PayableAmount")
    vat = _text(document, "cac:TaxTotal/cbc:TaxAmount")
    assert Decimal(payable[0]) * 100 == invoice.total_ore and invoice.total_ore > 0
    assert Decimal(vat[0]) * 100 == invoice.vat_ore and invoice.vat_ore > 0
    assert _text(document, ".//cac:ClassifiedTaxCategory/cbc:ID") == ["S"] * invoice.line_count
    assert "010190" not in document.decode("utf-8")  # no CPR number, masked or not


async def test_a_municipal_providers_invoice_is_outside_vat(client: httpx.AsyncClient) -> None:
    market = await build_market()
    offer = await hourly_offer(market)
    await hourly_contract(offer, datetime.date(2026, 2, 1))
    invoice = await invoices.issue_invoice(
        AALBORG_PROVIDER_ADMIN,
        market.aalborg_provider_id,
        InvoiceIssue(municipality_code="751", month=datetime.date(2026, 3, 1)),
    )
    await identifiers.set_party_identifiers(
        AALBORG_PROVIDER_ADMIN, "851", cvr=AALBORG_CVR, gln=None
    )
    await identifiers.set_party_identifiers(REGISTRY_ADMIN, "751", cvr=AARHUS_CVR, gln=None)

    response = await _get(client, invoice, BUYER)

    assert response.status_code == 200, response.text
    assert xsd_errors(response.content) == []
    assert failed_asserts(response.content) == {"CEN-EN16931-UBL": [], "PEPPOL-EN16931-UBL": []}
    assert _text(response.content, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == ["O"]
    assert _text(response.content, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID") == [
        AARHUS_CVR
    ]


async def test_a_party_without_an_address_or_another_caller_gets_a_typed_error(
    client: httpx.AsyncClient,
) -> None:
    invoice = await _vat_invoice()

    no_address = await _get(client, invoice, BUYER)
    stranger = await _get(client, invoice, ("101", Role.PURCHASER))
    bad_id = await client.get(
        "/exports/invoices.xml",
        params={"invoiceId": "nonsense"},
        headers={"Authorization": f"Bearer {token(*BUYER)}"},
    )

    assert (no_address.status_code, no_address.json()["code"]) == (400, "INVALID_STATE")
    assert no_address.json()["field"] == ["buyer.gln"]
    assert (stranger.status_code, stranger.json()["code"]) == (404, "NOT_FOUND")
    assert bad_id.status_code in (400, 404)


async def test_identifiers_are_checked_and_only_the_organisation_sets_them() -> None:
    from marketplace.core.errors import DomainError

    with pytest.raises(DomainError) as bad_gln:
        await identifiers.set_party_identifiers(AARHUS, "751", cvr=None, gln="5798000000011")
    with pytest.raises(DomainError) as bad_cvr:
        await identifiers.set_party_identifiers(AARHUS, "751", cvr="12345678", gln=None)
    with pytest.raises(DomainError) as other:
        await identifiers.set_party_identifiers(AARHUS, "851", cvr=AALBORG_CVR, gln=None)

    assert (bad_gln.value.code, bad_gln.value.field) == ("INVALID", ["gln"])
    assert (bad_cvr.value.code, bad_cvr.value.field) == ("INVALID_CVR", ["cvr"])
    assert other.value.code == "PERMISSION_DENIED"
    assert await identifiers.party_identifiers(["751"]) == {"751": identifiers.PartyIds("751")}


async def test_settings_are_kept_only_for_an_organisation_that_can_exist() -> None:
    # even the registry administrator, who may set any organisation's numbers, gets a typed
    # error for a code that names none (found by the GraphQL fuzzing: text of 300 letters
    # reached the database as a code)
    from marketplace.core.errors import DomainError

    refused = {}
    for code in ("999", "1086", "12345678", "ø" * 300, ""):
        with pytest.raises(DomainError) as error:
            await identifiers.set_party_identifiers(REGISTRY_ADMIN, code, cvr=AARHUS_CVR, gln=None)
        refused[code[:4]] = (error.value.code, tuple(error.value.field or ()))
    kept = await identifiers.set_party_identifiers(REGISTRY_ADMIN, "751", cvr=AARHUS_CVR, gln=None)

    assert set(refused.values()) == {("NOT_FOUND", ("org_code",))}
    assert kept == identifiers.PartyIds("751", AARHUS_CVR)
    assert await identifiers.party_identifiers(["999", "1086"]) == {
        "999": identifiers.PartyIds("999"),
        "1086": identifiers.PartyIds("1086"),
    }


def test_the_rules_catch_a_wrong_total() -> None:
    """The schematron run is not vacuous: the official example passes, and the same example
    with a wrong payable amount and an unknown address scheme fails the rules."""
    example = (PEPPOL / "examples" / "base-example.xml").read_bytes()
    broken = example.replace(
        b'<cbc:PayableAmount currencyID="EUR">', b'<cbc:PayableAmount currencyID="EUR">1'
    ).replace(b'schemeID="0088"', b'schemeID="9999"', 1)

    assert xsd_errors(example) == []
    assert failed_asserts(example) == {"CEN-EN16931-UBL": [], "PEPPOL-EN16931-UBL": []}
    failed = failed_asserts(broken)
    assert "BR-CO-16 fatal" in failed["CEN-EN16931-UBL"]
    assert any("CL008" in f for f in failed["PEPPOL-EN16931-UBL"]), failed


SETTINGS_UPDATE = """
mutation ($input: OrganisationSettingsUpdateInput!) {
  organisationSettingsUpdate(input: $input) {
    settings { orgCode cvr gln }
    errors { field code message }
  }
}
"""
SETTINGS = "query ($org: String) { organisationSettings(orgCode: $org) { orgCode cvr gln } }"


async def test_the_buyer_sets_its_numbers_through_graphql_and_its_invoices_carry_them(
    client: httpx.AsyncClient, gql: GraphQL
) -> None:
    invoice = await _vat_invoice()

    made = await gql(
        SETTINGS_UPDATE,
        {"input": {"orgCode": "751", "cvr": AARHUS_CVR, "gln": AARHUS_GLN}},
        as_=BUYER,
    )
    cleared = await gql(SETTINGS_UPDATE, {"input": {"orgCode": "751", "gln": None}}, as_=BUYER)
    kept = await gql(
        SETTINGS_UPDATE, {"input": {"orgCode": "751", "gln": AARHUS_GLN}}, as_=BUYER
    )  # the CVR number left out stays
    read = await gql(SETTINGS, {}, as_=BUYER)
    response = await _get(client, invoice, ("43389424", Role.PROVIDER_ADMIN))

    assert made["data"]["organisationSettingsUpdate"] == {
        "settings": {"orgCode": "751", "cvr": AARHUS_CVR, "gln": AARHUS_GLN},
        "errors": [],
    }
    assert cleared["data"]["organisationSettingsUpdate"]["settings"] == {
        "orgCode": "751",
        "cvr": AARHUS_CVR,
        "gln": None,
    }
    assert kept["data"]["organisationSettingsUpdate"]["settings"]["cvr"] == AARHUS_CVR
    assert read["data"]["organisationSettings"] == {
        "orgCode": "751",
        "cvr": AARHUS_CVR,
        "gln": AARHUS_GLN,
    }
    assert response.status_code == 200, response.text
    assert _text(response.content, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID") == [
        AARHUS_GLN
    ]
    assert _text(response.content, ".//cac:PartyLegalEntity/cbc:CompanyID")[1] == AARHUS_CVR
    assert xsd_errors(response.content) == []


async def test_bad_numbers_and_other_organisations_are_refused_through_graphql(
    gql: GraphQL,
) -> None:
    await gql(SETTINGS_UPDATE, {"input": {"orgCode": "751", "cvr": AARHUS_CVR}}, as_=BUYER)
    tries = {
        "bad cvr": ({"orgCode": "751", "cvr": "55133019"}, BUYER),
        "short cvr": ({"orgCode": "751", "cvr": "5513301"}, BUYER),
        "bad gln": ({"orgCode": "751", "gln": "5798000000011"}, BUYER),
        "letters": ({"orgCode": "751", "gln": "57980000000AB"}, BUYER),
        "other": ({"orgCode": "851", "cvr": AALBORG_CVR}, BUYER),
    }
    answers = {}
    for name, (given, as_) in tries.items():
        body = await gql(SETTINGS_UPDATE, {"input": given}, as_=as_)
        payload = body["data"]["organisationSettingsUpdate"]
        assert payload["settings"] is None, name
        answers[name] = [(e["code"], e["field"]) for e in payload["errors"]]
    stranger = await gql(SETTINGS, {"org": "751"}, as_=("101", Role.PURCHASER))
    anonymous = await gql(SETTINGS, {})

    assert answers == {
        "bad cvr": [("INVALID_CVR", ["input", "cvr"])],
        "short cvr": [("INVALID_CVR", ["input", "cvr"])],
        "bad gln": [("INVALID", ["input", "gln"])],
        "letters": [("INVALID", ["input", "gln"])],
        "other": [("PERMISSION_DENIED", ["input", "orgCode"])],
    }
    assert stranger["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await identifiers.party_identifiers(["751", "851"]) == {
        "751": identifiers.PartyIds("751", AARHUS_CVR),
        "851": identifiers.PartyIds("851"),
    }


@cache
def _credit_note_xsd() -> etree.XMLSchema:
    path = PEPPOL / "ubl-2.1/xsd/maindoc/UBL-CreditNote-2.1.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def credit_note_xsd_errors(document: bytes) -> list[str]:
    schema = _credit_note_xsd()
    schema.validate(etree.fromstring(document))
    return [f"{e.line}: {e.message}" for e in schema.error_log]


async def _credit_note_xml(
    client: httpx.AsyncClient, note_id: object, as_: tuple[str, Role]
) -> httpx.Response:
    return await client.get(
        "/exports/credit-notes.xml",
        params={"creditNoteId": str(note_id)},
        headers={"Authorization": f"Bearer {token(*as_)}"},
    )


async def test_credit_notes_are_valid_peppol_credit_notes(client: httpx.AsyncClient) -> None:
    invoice = await _vat_invoice()
    await identifiers.set_party_identifiers(AARHUS, "751", cvr=AARHUS_CVR, gln=AARHUS_GLN)
    amounts = {}
    for amount in ("100.00", "33.37", "0.01"):
        note = await invoices.issue_credit_note(
            ENGLY_ADMIN, invoice.id, CreditNoteIssue(amount=Decimal(amount), reason="For meget")
        )
        response = await _credit_note_xml(client, note.id, BUYER)
        assert response.status_code == 200, response.text
        document = response.content
        assert credit_note_xsd_errors(document) == [], amount
        assert failed_asserts(document) == {"CEN-EN16931-UBL": [], "PEPPOL-EN16931-UBL": []}, amount
        amounts[amount] = (
            _text(document, "cac:LegalMonetaryTotal/cbc:PayableAmount"),
            _text(document, "cac:TaxTotal/cbc:TaxAmount"),
            note.vat_ore,
        )
        assert _text(document, ".//cac:InvoiceDocumentReference/cbc:ID") == [
            f"43389424-{invoice.number}"
        ]
        assert _text(document, "cbc:CreditNoteTypeCode") == ["381"]
        assert _text(document, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID") == [
            AARHUS_GLN
        ]
    assert amounts["100.00"] == (["100.00"], ["20.00"], 2000)  # a fifth of a VAT price
    assert [Decimal(amounts["33.37"][1][0]) * 100] == [amounts["33.37"][2]]


async def test_a_municipal_providers_credit_note_is_outside_vat(
    client: httpx.AsyncClient,
) -> None:
    market = await build_market()
    offer = await hourly_offer(market)
    await hourly_contract(offer, datetime.date(2026, 2, 1))
    invoice = await invoices.issue_invoice(
        AALBORG_PROVIDER_ADMIN,
        market.aalborg_provider_id,
        InvoiceIssue(municipality_code="751", month=datetime.date(2026, 3, 1)),
    )
    await identifiers.set_party_identifiers(
        AALBORG_PROVIDER_ADMIN, "851", cvr=AALBORG_CVR, gln=None
    )
    await identifiers.set_party_identifiers(REGISTRY_ADMIN, "751", cvr=AARHUS_CVR, gln=None)
    note = await invoices.issue_credit_note(
        AALBORG_PROVIDER_ADMIN,
        invoice.id,
        CreditNoteIssue(amount=Decimal("525.50"), reason="Aflyst"),
    )

    response = await _credit_note_xml(client, note.id, ("851", Role.PROVIDER_ADMIN))
    stranger = await _credit_note_xml(client, note.id, ("101", Role.PURCHASER))
    anonymous = await client.get("/exports/credit-notes.xml", params={"creditNoteId": str(note.id)})

    assert response.status_code == 200, response.text
    assert credit_note_xsd_errors(response.content) == []
    assert failed_asserts(response.content) == {"CEN-EN16931-UBL": [], "PEPPOL-EN16931-UBL": []}
    assert _text(response.content, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == ["O"]
    assert _text(response.content, "cac:LegalMonetaryTotal/cbc:PayableAmount") == ["525.50"]
    assert (stranger.status_code, stranger.json()["code"]) == (404, "NOT_FOUND")
    assert anonymous.status_code == 401


async def test_a_credit_note_for_exempt_prices_is_exempt(client: httpx.AsyncClient) -> None:
    market = await build_market()
    contract = await contract_for(market.offer_id, buyer=AARHUS, citizen_ref="SAG-8")
    await backdate(contract, datetime.date(2026, 1, 10))
    invoice = await invoices.issue_invoice(
        ENGLY_ADMIN,
        market.provider_id,
        InvoiceIssue(municipality_code="751", month=datetime.date(2026, 1, 1)),
    )
    await identifiers.set_party_identifiers(AARHUS, "751", cvr=AARHUS_CVR, gln=AARHUS_GLN)
    note = await invoices.issue_credit_note(
        ENGLY_ADMIN, invoice.id, CreditNoteIssue(amount=Decimal("1000"), reason="Fravær")
    )

    response = await _credit_note_xml(client, note.id, ("43389424", Role.PROVIDER_ADMIN))

    assert response.status_code == 200, response.text
    assert credit_note_xsd_errors(response.content) == []
    assert failed_asserts(response.content) == {"CEN-EN16931-UBL": [], "PEPPOL-EN16931-UBL": []}
    assert _text(response.content, ".//cac:ClassifiedTaxCategory/cbc:ID") == ["E"]
    assert _text(response.content, "cac:TaxTotal/cbc:TaxAmount") == ["0.00"]
