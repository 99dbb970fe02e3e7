"""DataLoaders of delivered hours, invoices and credit notes, created per request."""

from __future__ import annotations

import uuid
from functools import partial

from marketplace.contracts import hours, invoices
from marketplace.contracts.models import CreditNoteView, DeliveredHoursView, InvoiceView
from marketplace.core.identity import Principal
from schema.loaders import KeyedLoader


class InvoiceByIdLoader(KeyedLoader[uuid.UUID, InvoiceView]):
    """Invoices the caller may read (its provider's, or to its municipality)."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(invoices.invoices_by_id, principal))


class InvoiceLinesByInvoiceLoader(KeyedLoader[uuid.UUID, list[invoices.IssuedLine]]):
    """An invoice's lines (asked only for invoices already read)."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(invoices.lines_by_invoice, principal), default=[])


class CreditNoteByIdLoader(KeyedLoader[uuid.UUID, CreditNoteView]):
    """Credit notes the caller may read."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(invoices.credit_notes_by_id, principal))


class CreditNotesByInvoiceLoader(KeyedLoader[uuid.UUID, list[CreditNoteView]]):
    """An invoice's credit notes (asked only for invoices already read)."""

    def __init__(self) -> None:
        super().__init__(invoices.credit_notes_by_invoice, default=[])


class DeliveredHoursByContractLoader(KeyedLoader[uuid.UUID, list[DeliveredHoursView]]):
    """A contract's reports of delivered hours (asked only for contracts already read)."""

    def __init__(self) -> None:
        super().__init__(hours.hours_by_contract, default=[])
