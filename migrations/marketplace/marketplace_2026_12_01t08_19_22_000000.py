"""Delivered hours, invoices and credit notes: one report of delivered hours per contract and
month, a contract's month on one invoice at most, numbers never shared within a provider's
series, one counter row per provider and kind, one invoice per buyer and period start, and
amounts, dates and kinds that make sense."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from marketplace.core.db import add_check, add_unique_index, drop_check, engine

ID = "2026-12-01T08:19:22:000000"
VERSION = "1.38.0"
DESCRIPTION = "Delivered hours, invoices and credit notes: unique numbers and months, checks"

_INDEXES = [
    ("delivered_hours", "delivered_hours_once_per_month", ["contract", "month"]),
    ("invoice_counter", "invoice_counter_once_per_kind", ["provider_org", "kind"]),
    ("invoice", "invoice_number_once_per_provider", ["provider_org", "number"]),
    ("invoice", "invoice_once_per_period", ["provider_org", "buyer", "period_start"]),
    ("invoice_line", "invoice_line_month_once", ["contract", "month"]),
    ("credit_note", "credit_note_number_once_per_provider", ["provider_org", "number"]),
]
_CHECKS = [
    ("contract_term", "contract_term_hours_per_known", "{row}.hours_per IN ('month', 'week')"),
    ("delivered_hours", "delivered_hours_not_negative", "{row}.hours >= 0"),
    ("invoice_counter", "invoice_counter_kind_known", "{row}.kind IN ('invoice', 'credit_note')"),
    (
        "invoice",
        "invoice_frequency_known",
        "{row}.frequency IN ('monthly', 'quarterly', 'half_yearly')",
    ),
    ("invoice", "invoice_period_in_order", "{row}.period_end >= {row}.period_start"),
    ("invoice", "invoice_due_after_issue", "{row}.due_date >= {row}.issue_date"),
    ("invoice", "invoice_amounts_not_negative", "{row}.total_ore >= {row}.vat_ore AND {row}.vat_ore >= 0"),
    ("invoice", "invoice_number_positive", "{row}.number > 0"),
    (
        "invoice_line",
        "invoice_line_hours_source_known",
        "{row}.hours_source IS NULL OR {row}.hours_source IN ('delivered', 'agreed')",
    ),
    ("credit_note", "credit_note_amount_positive", "{row}.amount_ore > 0 AND {row}.vat_ore >= 0"),
    ("credit_note", "credit_note_number_positive", "{row}.number > 0"),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketplace", description=DESCRIPTION)

    async def add():
        for table, name, columns in _INDEXES:
            await add_unique_index(table, name, columns)
        for table, name, condition in _CHECKS:
            await add_check(table, name, condition)

    async def drop():
        for table, name, _condition in reversed(_CHECKS):
            await drop_check(table, name)
        for _table, name, _columns in reversed(_INDEXES):
            await engine().run_ddl(f'DROP INDEX IF EXISTS "{name}"')

    manager.add_raw(add)
    manager.add_raw_backwards(drop)
    return manager
