"""Needs and their answers: one answer per offer a need goes to, at most one request per
answer (a second pick of the same answer fails even if two run at once), and only known
statuses."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from marketplace.core.db import add_check, add_unique_index, drop_check, engine

ID = "2026-12-01T06:19:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Needs: one answer per offer, one request per answer, known statuses"

_NEED_STATUSES = "('open', 'deciding', 'chosen', 'cancelled', 'closed')"
_ANSWER_STATUSES = (
    "('waiting', 'proposed', 'declined', 'no_answer', 'chosen', 'not_chosen', 'cancelled')"
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketplace", description=DESCRIPTION)

    async def add():
        await add_unique_index("need_answer", "need_answer_once_per_offer", ["need", "offer"])
        await add_unique_index(
            "placement_request", "placement_request_once_per_answer", ["need_answer"]
        )
        await add_check(
            "placement_need", "placement_need_status_known", f"{{row}}.status IN {_NEED_STATUSES}"
        )
        await add_check(
            "need_answer", "need_answer_status_known", f"{{row}}.status IN {_ANSWER_STATUSES}"
        )
        await add_check(
            "placement_need",
            "placement_need_decided_after_answers",
            "{row}.decide_by > {row}.respond_by",
        )

    async def drop():
        await drop_check("placement_need", "placement_need_decided_after_answers")
        await drop_check("need_answer", "need_answer_status_known")
        await drop_check("placement_need", "placement_need_status_known")
        await engine().run_ddl('DROP INDEX IF EXISTS "placement_request_once_per_answer"')
        await engine().run_ddl('DROP INDEX IF EXISTS "need_answer_once_per_offer"')

    manager.add_raw(add)
    manager.add_raw_backwards(drop)
    return manager
