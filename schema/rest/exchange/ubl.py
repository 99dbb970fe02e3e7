"""An issued invoice as a PEPPOL BIS Billing 3.0 document (UBL 2.1 Invoice), the form
NemHandel takes for invoices to Danish public bodies; a credit note as a UBL 2.1 CreditNote
that refers to its invoice (``credit_note_xml``).

- **Parties**: the provider (seller) and the buying municipality, each with its electronic
  address (``EndpointID``): its EAN/GLN location number (scheme 0088) where its e-invoicing
  settings name one, else its CVR number (scheme 0184); the seller's CVR number as its legal
  entity (``PartyLegalEntity/CompanyID``, scheme 0184, as the Danish rules ask).
- **Lines**: one per contract and month as issued, its net amount (the issued total less the
  VAT included in it) at quantity 1; the service, price level, add-ons, days and hours in
  the item's description; the buyer's case reference as the line's note (never a CPR number).
- **VAT**: a private provider's VAT-inclusive prices are standard rated (S, 25%) with the VAT
  as issued; its other prices are exempt (E, social services, momsloven § 13, stk. 1, nr. 2);
  a municipality's or region's services are outside the scope of VAT (O), the whole invoice.
  The totals are the issued ones to the øre: line extension + VAT = payable = the invoice total.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from marketplace.contracts import billing
from marketplace.contracts.invoices import IssuedLine
from marketplace.contracts.models import CreditNoteView, InvoiceView
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.money import to_dkk
from marketplace.organisations.identifiers import PartyIds
from marketplace.organisations.models import MunicipalityView, ProviderView
from marketplace.organisations.tables import OwnerType

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
GLN_SCHEME = "0088"
CVR_SCHEME = "0184"
VAT_RATE = Decimal(25)
EXEMPT_REASON = "Momsfritaget: sociale ydelser (momsloven § 13, stk. 1, nr. 2)"
OUTSIDE_REASON = "Ikke momspligtig: offentlig myndigheds ydelse"
_UNITS = {"per_day": "dag", "per_hour": "time", "per_month": "måned", "per_year": "år"}

ET.register_namespace("", INVOICE_NS)
ET.register_namespace("cac", CAC)
ET.register_namespace("cbc", CBC)


@dataclass(frozen=True, slots=True)
class Parties:
    provider: ProviderView
    buyer: MunicipalityView
    provider_ids: PartyIds
    buyer_ids: PartyIds


def _amount(ore: int) -> str:
    return f"{to_dkk(ore):.2f}"


class _Doc:
    """A tiny builder for UBL elements (cbc: leaves, cac: aggregates), in order."""

    @staticmethod
    def agg(parent: ET.Element, name: str) -> ET.Element:
        return ET.SubElement(parent, f"{{{CAC}}}{name}")

    @staticmethod
    def leaf(parent: ET.Element, name: str, text: str, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{CBC}}}{name}", attributes)
        element.text = text
        return element

    @classmethod
    def money(cls, parent: ET.Element, name: str, ore: int) -> ET.Element:
        return cls.leaf(parent, name, _amount(ore), currencyID="DKK")


def _category(provider: ProviderView, line: IssuedLine) -> str:
    if provider.owner_type is not OwnerType.PRIVATE:
        return "O"
    return "S" if line.vat_included else "E"


def _tax_category(parent: ET.Element, name: str, category: str, *, reason: bool) -> None:
    tax = _Doc.agg(parent, name)
    _Doc.leaf(tax, "ID", category)
    if category != "O":
        _Doc.leaf(tax, "Percent", str(VAT_RATE if category == "S" else 0))
    if reason and category in ("E", "O"):
        _Doc.leaf(tax, "TaxExemptionReason", EXEMPT_REASON if category == "E" else OUTSIDE_REASON)
    _Doc.leaf(_Doc.agg(tax, "TaxScheme"), "ID", "VAT")


def _endpoint(ids: PartyIds, whose: str) -> tuple[str, str]:
    if ids.gln:
        return GLN_SCHEME, ids.gln
    if ids.cvr:
        return CVR_SCHEME, ids.cvr
    raise DomainError(
        ErrorCode.INVALID_STATE,
        f"The {whose} ({ids.org_code}) has no EAN/GLN or CVR number in its e-invoicing "
        "settings: an e-invoice needs an electronic address for it.",
        [f"{whose}.gln"],
    )


def _supplier(root: ET.Element, parties: Parties, vat_registered: bool) -> None:
    provider, ids = parties.provider, parties.provider_ids
    if not ids.cvr:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"The provider ({provider.org_code}) has no CVR number in its e-invoicing "
            "settings: a Danish seller's e-invoice names its CVR number.",
            ["provider.cvr"],
        )
    party = _Doc.agg(_Doc.agg(root, "AccountingSupplierParty"), "Party")
    scheme, endpoint = _endpoint(ids, "provider")
    _Doc.leaf(party, "EndpointID", endpoint, schemeID=scheme)
    if ids.gln:
        _Doc.leaf(_Doc.agg(party, "PartyIdentification"), "ID", ids.gln, schemeID=GLN_SCHEME)
    _Doc.leaf(_Doc.agg(party, "PartyName"), "Name", provider.name)
    address = _Doc.agg(party, "PostalAddress")
    _Doc.leaf(address, "StreetName", provider.street_address)
    _Doc.leaf(address, "CityName", provider.city)
    _Doc.leaf(address, "PostalZone", provider.postal_code)
    _Doc.leaf(_Doc.agg(address, "Country"), "IdentificationCode", "DK")
    if vat_registered:
        tax = _Doc.agg(party, "PartyTaxScheme")
        _Doc.leaf(tax, "CompanyID", f"DK{ids.cvr}")
        _Doc.leaf(_Doc.agg(tax, "TaxScheme"), "ID", "VAT")
    legal = _Doc.agg(party, "PartyLegalEntity")
    _Doc.leaf(legal, "RegistrationName", provider.name)
    _Doc.leaf(legal, "CompanyID", ids.cvr, schemeID=CVR_SCHEME)
    if provider.email or provider.phone:
        contact = _Doc.agg(party, "Contact")
        if provider.phone:
            _Doc.leaf(contact, "Telephone", provider.phone)
        if provider.email:
            _Doc.leaf(contact, "ElectronicMail", provider.email)


def _customer(root: ET.Element, parties: Parties) -> None:
    buyer, ids = parties.buyer, parties.buyer_ids
    party = _Doc.agg(_Doc.agg(root, "AccountingCustomerParty"), "Party")
    scheme, endpoint = _endpoint(ids, "buyer")
    _Doc.leaf(party, "EndpointID", endpoint, schemeID=scheme)
    if ids.gln:
        _Doc.leaf(_Doc.agg(party, "PartyIdentification"), "ID", ids.gln, schemeID=GLN_SCHEME)
    name = f"{buyer.name} Kommune"
    _Doc.leaf(_Doc.agg(party, "PartyName"), "Name", name)
    address = _Doc.agg(party, "PostalAddress")
    _Doc.leaf(address, "CityName", buyer.seat)
    _Doc.leaf(_Doc.agg(address, "Country"), "IdentificationCode", "DK")
    legal = _Doc.agg(party, "PartyLegalEntity")
    _Doc.leaf(legal, "RegistrationName", name)
    if ids.cvr:
        _Doc.leaf(legal, "CompanyID", ids.cvr, schemeID=CVR_SCHEME)


def _description(line: IssuedLine) -> str:
    parts = []
    for charge in line.charges:
        what = "Ydelse" if charge.name == billing.BASE else charge.name
        level = f" ({charge.price_level})" if charge.price_level else ""
        parts.append(
            f"{what}{level}: {charge.quantity} x {to_dkk(charge.unit_price_ore)} DKK pr. "
            f"{_UNITS.get(charge.unit.value, charge.unit.value)}, {charge.days} dage = "
            f"{_amount(charge.amount_ore)} DKK"
        )
    if line.hours is not None:
        parts.append(f"Timer: {line.hours}")
    return "; ".join(parts) or "Ydelse"


def _line(root: ET.Element, number: int, line: IssuedLine, category: str, offer_name: str) -> None:
    net = line.total_ore - line.vat_ore
    element = _Doc.agg(root, "InvoiceLine")
    _Doc.leaf(element, "ID", str(number))
    if line.citizen_ref:
        _Doc.leaf(element, "Note", f"Sagsreference: {line.citizen_ref}")
    _Doc.leaf(element, "InvoicedQuantity", "1", unitCode="C62")
    _Doc.money(element, "LineExtensionAmount", net)
    period = _Doc.agg(element, "InvoicePeriod")
    _Doc.leaf(period, "StartDate", line.period_start.isoformat())
    _Doc.leaf(period, "EndDate", line.period_end.isoformat())
    item = _Doc.agg(element, "Item")
    _Doc.leaf(item, "Description", _description(line))
    _Doc.leaf(item, "Name", f"{offer_name} ({line.legal_basis})"[:200])
    _Doc.leaf(_Doc.agg(item, "SellersItemIdentification"), "ID", str(line.offer_id))
    _tax_category(item, "ClassifiedTaxCategory", category, reason=False)
    _Doc.money(_Doc.agg(element, "Price"), "PriceAmount", net)


def _tax_total(root: ET.Element, by_category: dict[str, list[IssuedLine]]) -> int:
    return _tax_total_of(
        root,
        {
            category: (sum(x.total_ore - x.vat_ore for x in lines), sum(x.vat_ore for x in lines))
            for category, lines in by_category.items()
        },
    )


def _tax_total_of(root: ET.Element, parts: dict[str, tuple[int, int]]) -> int:
    """The document's TaxTotal: per VAT category its taxable amount and VAT (øre)."""
    total = _Doc.agg(root, "TaxTotal")
    vat = sum(part_vat for _, part_vat in parts.values())
    _Doc.money(total, "TaxAmount", vat)
    for category in sorted(parts):
        taxable, part_vat = parts[category]
        subtotal = _Doc.agg(total, "TaxSubtotal")
        _Doc.money(subtotal, "TaxableAmount", taxable)
        _Doc.money(subtotal, "TaxAmount", part_vat)
        _tax_category(subtotal, "TaxCategory", category, reason=True)
    return vat


def _header(root: ET.Element, invoice: InvoiceView) -> None:
    _Doc.leaf(root, "CustomizationID", CUSTOMIZATION)
    _Doc.leaf(root, "ProfileID", PROFILE)
    _Doc.leaf(root, "ID", f"{invoice.provider_org}-{invoice.number}")
    _Doc.leaf(root, "IssueDate", invoice.issue_date.isoformat())
    _Doc.leaf(root, "DueDate", invoice.due_date.isoformat())
    _Doc.leaf(root, "InvoiceTypeCode", "380")
    _Doc.leaf(root, "Note", f"Faktura nr. {invoice.number} fra Socialmarked ({invoice.id})")
    _Doc.leaf(root, "DocumentCurrencyCode", "DKK")
    _Doc.leaf(root, "BuyerReference", invoice.buyer)
    period = _Doc.agg(root, "InvoicePeriod")
    _Doc.leaf(period, "StartDate", invoice.period_start.isoformat())
    _Doc.leaf(period, "EndDate", invoice.period_end.isoformat())


def invoice_xml(
    invoice: InvoiceView,
    lines: Sequence[IssuedLine],
    parties: Parties,
    offer_names: dict[str, str],
) -> bytes:
    """The invoice as a UBL 2.1 document that follows PEPPOL BIS Billing 3.0."""
    categories = [_category(parties.provider, line) for line in lines]
    by_category: dict[str, list[IssuedLine]] = defaultdict(list)
    for category, line in zip(categories, lines, strict=True):
        by_category[category].append(line)
    root = ET.Element(f"{{{INVOICE_NS}}}Invoice")
    _header(root, invoice)
    _supplier(root, parties, vat_registered=parties.provider.owner_type is OwnerType.PRIVATE)
    _customer(root, parties)
    _Doc.leaf(_Doc.agg(root, "PaymentTerms"), "Note", f"Netto {invoice.payment_term_days} dage")
    vat = _tax_total(root, by_category or {"O": []})
    net = sum(line.total_ore - line.vat_ore for line in lines)
    totals = _Doc.agg(root, "LegalMonetaryTotal")
    _Doc.money(totals, "LineExtensionAmount", net)
    _Doc.money(totals, "TaxExclusiveAmount", net)
    _Doc.money(totals, "TaxInclusiveAmount", net + vat)
    _Doc.money(totals, "PayableAmount", net + vat)
    for number, (category, line) in enumerate(zip(categories, lines, strict=True), start=1):
        _line(root, number, line, category, offer_names.get(str(line.offer_id), "Tilbud"))
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


# --- credit notes ------------------------------------------------------------------------------


def credit_note_parts(note: CreditNoteView, provider: ProviderView) -> dict[str, tuple[int, int]]:
    """A credit note's amount by VAT category, as (taxable, VAT) in øre: the part that credits
    VAT-inclusive prices (its VAT as issued) is standard rated, the rest exempt; a
    municipality's or region's credit note is outside the scope of VAT as its invoice."""
    if provider.owner_type is not OwnerType.PRIVATE:
        return {"O": (note.amount_ore, 0)}
    if note.vat_ore == 0:
        return {"E": (note.amount_ore, 0)}
    # The VAT is a fifth of the VAT-inclusive part, to the øre (billing.vat_in), so that part
    # is 5 x VAT give or take 2 øre: within that, the whole amount is standard rated; beyond
    # it, 5 x VAT is and the rest is exempt (taxable 4 x VAT, its VAT exactly 25% of it).
    rest = note.amount_ore - 5 * note.vat_ore
    if abs(rest) <= 2:
        return {"S": (note.amount_ore - note.vat_ore, note.vat_ore)}
    return {"S": (4 * note.vat_ore, note.vat_ore), "E": (rest, 0)}


def _credit_note_header(root: ET.Element, note: CreditNoteView, invoice: InvoiceView) -> None:
    _Doc.leaf(root, "CustomizationID", CUSTOMIZATION)
    _Doc.leaf(root, "ProfileID", PROFILE)
    _Doc.leaf(root, "ID", f"{note.provider_org}-K{note.number}")
    _Doc.leaf(root, "IssueDate", note.issue_date.isoformat())
    _Doc.leaf(root, "CreditNoteTypeCode", "381")
    _Doc.leaf(root, "Note", f"Kreditnota nr. {note.number} fra Socialmarked ({note.id})")
    _Doc.leaf(root, "DocumentCurrencyCode", "DKK")
    _Doc.leaf(root, "BuyerReference", invoice.buyer)
    reference = _Doc.agg(_Doc.agg(root, "BillingReference"), "InvoiceDocumentReference")
    _Doc.leaf(reference, "ID", f"{invoice.provider_org}-{invoice.number}")
    _Doc.leaf(reference, "IssueDate", invoice.issue_date.isoformat())


def _credit_note_line(
    root: ET.Element, number: int, category: str, taxable: int, invoice: InvoiceView, reason: str
) -> None:
    element = _Doc.agg(root, "CreditNoteLine")
    _Doc.leaf(element, "ID", str(number))
    _Doc.leaf(element, "CreditedQuantity", "1", unitCode="C62")
    _Doc.money(element, "LineExtensionAmount", taxable)
    item = _Doc.agg(element, "Item")
    _Doc.leaf(item, "Description", reason[:1000] or "Kreditering")
    _Doc.leaf(item, "Name", f"Kreditering af faktura nr. {invoice.number}")
    _tax_category(item, "ClassifiedTaxCategory", category, reason=False)
    _Doc.money(_Doc.agg(element, "Price"), "PriceAmount", taxable)


def credit_note_xml(note: CreditNoteView, invoice: InvoiceView, parties: Parties) -> bytes:
    """The credit note as a UBL 2.1 CreditNote that follows PEPPOL BIS Billing 3.0: it
    refers to its invoice (``BillingReference``), one line per VAT category of its amount."""
    parts = credit_note_parts(note, parties.provider)
    root = ET.Element(f"{{{CREDIT_NOTE_NS}}}CreditNote")
    _credit_note_header(root, note, invoice)
    _supplier(root, parties, vat_registered=parties.provider.owner_type is OwnerType.PRIVATE)
    _customer(root, parties)
    _Doc.leaf(_Doc.agg(root, "PaymentTerms"), "Note", "Modregnes i næste betaling")
    vat = _tax_total_of(root, parts)
    net = sum(taxable for taxable, _ in parts.values())
    totals = _Doc.agg(root, "LegalMonetaryTotal")
    _Doc.money(totals, "LineExtensionAmount", net)
    _Doc.money(totals, "TaxExclusiveAmount", net)
    _Doc.money(totals, "TaxInclusiveAmount", net + vat)
    _Doc.money(totals, "PayableAmount", net + vat)
    for number, category in enumerate(sorted(parts), start=1):
        _credit_note_line(root, number, category, parts[category][0], invoice, note.reason)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body
