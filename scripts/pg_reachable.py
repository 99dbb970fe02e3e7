"""Exit 0 when a PostgreSQL server answers at the URL given, 1 otherwise."""

import asyncio
import sys

import asyncpg


async def main(url: str) -> int:
    try:
        connection = await asyncpg.connect(url, timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return 1
    await connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
