"""Tables of the organisation registry."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    UUID,
    Boolean,
    Float,
    ForeignKey,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Region(Table, tablename="region"):
    """One of the five Danish regions; the code (1081-1085) is the key."""

    code = Varchar(length=4, primary_key=True)
    name = Varchar(length=64, unique=True)


class Municipality(Table, tablename="municipality"):
    """One of the 98 municipalities; the 3-digit municipality code is the key."""

    code = Varchar(length=3, primary_key=True)
    name = Varchar(length=64, unique=True)
    region = ForeignKey(references=Region, null=False, index=True)
    seat = Varchar(length=64)
    latitude = Float()
    longitude = Float()


class OwnerType(StrEnum):
    MUNICIPAL = "municipal"
    REGIONAL = "regional"
    PRIVATE = "private"


class Provider(Table, tablename="provider"):
    """A driftsherre: the municipality, region or private operator that runs offers.

    ``org_code`` names the organisation: its municipality code, region code or CVR number.
    """

    id = UUID(primary_key=True)
    org_code = Varchar(length=8, unique=True)
    name = Varchar(length=200)
    # Case-folded name: the portable sort and search key (binary collation on both backends).
    name_key = Varchar(length=200, index=True)
    owner_type = Varchar(length=16, choices=OwnerType, index=True)
    cvr = Varchar(length=8, null=True, default=None, unique=True)
    street_address = Varchar(length=200)
    postal_code = Varchar(length=4)
    city = Varchar(length=100)
    municipality = ForeignKey(references=Municipality, null=False, index=True)
    latitude = Float()
    longitude = Float()
    email = Varchar(length=254, null=True, default=None)
    phone = Varchar(length=32, null=True, default=None)
    website = Varchar(length=300, null=True, default=None)
    description = Text(default="")
    is_demo = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class PartyIdentifiers(Table, tablename="party_identifiers"):
    """An organisation's identifiers for electronic documents (its e-invoicing settings): the
    CVR number of its legal entity and the EAN/GLN location number (13 digits) it receives
    invoices at (NemHandel). One row per organisation code; either may be unknown."""

    org_code = Varchar(length=8, primary_key=True)
    cvr = Varchar(length=8, null=True, default=None)
    gln = Varchar(length=13, null=True, default=None)
    updated_by = Varchar(length=100)
    updated_at = Timestamptz(default=TimestamptzNow())
