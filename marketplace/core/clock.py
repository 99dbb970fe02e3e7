"""The time: UTC instants and today's date (in UTC), in one place."""

from __future__ import annotations

import datetime


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def today() -> datetime.date:
    return utcnow().date()
