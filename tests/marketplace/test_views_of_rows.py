"""A view made from a row is kept under the values it was made of: the same values give the
same view without validating again, changed values a new view, and a row the key cannot
cover is validated as before."""

from __future__ import annotations

import datetime
import uuid

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from marketplace.core import views
from marketplace.core.views import ViewOfRow


class Shelter(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    name: str
    region_code: str
    places: int
    tags: list[str]
    opened: datetime.date | None
    acute: bool = False


def _row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": uuid.UUID(int=7),
        "name": "Bakkehuset",
        "region": "1081",
        "places": 12,
        "tags": ["autisme", "voksne"],
        "opened": datetime.date(2020, 1, 1),
        "acute": False,
        "unrelated": "ignored",
    }
    return {**row, **changes}


@pytest.fixture
def shelter_of_row(monkeypatch: pytest.MonkeyPatch) -> tuple[ViewOfRow[Shelter], list[object]]:
    made: list[object] = []
    of_row = ViewOfRow(Shelter, {"region_code": "region"})
    validate = of_row.make

    def counted(row: dict[str, object]) -> Shelter:
        made.append(row)
        return validate(row)

    monkeypatch.setattr(of_row, "make", counted)
    return of_row, made


def test_the_same_values_give_the_same_view_validated_once(
    shelter_of_row: tuple[ViewOfRow[Shelter], list[object]],
) -> None:
    of_row, made = shelter_of_row
    first = of_row(_row())
    again = of_row(_row(unrelated="another column the view does not hold"))

    assert again is first
    assert len(made) == 1
    assert first.region_code == "1081" and first.tags == ["autisme", "voksne"]


@pytest.mark.parametrize(
    "change",
    [{"places": 13}, {"tags": ["autisme"]}, {"opened": None}, {"region": "1084"}, {"acute": True}],
)
def test_a_changed_value_makes_a_new_view(
    shelter_of_row: tuple[ViewOfRow[Shelter], list[object]], change: dict[str, object]
) -> None:
    of_row, made = shelter_of_row
    before = of_row(_row())
    after = of_row(_row(**change))

    assert after is not before
    assert len(made) == 2
    field, value = next(iter(change.items()))
    assert getattr(after, "region_code" if field == "region" else field) == value


def test_a_row_without_a_column_is_validated_every_time(
    shelter_of_row: tuple[ViewOfRow[Shelter], list[object]],
) -> None:
    of_row, made = shelter_of_row
    row = _row()
    del row["acute"]  # the view takes its default

    assert of_row(row).acute is False
    assert of_row(row).acute is False
    assert len(made) == 2


def test_a_bad_row_is_refused_every_time_and_nothing_is_kept(
    shelter_of_row: tuple[ViewOfRow[Shelter], list[object]],
) -> None:
    of_row, _made = shelter_of_row
    for _ in range(2):
        with pytest.raises(ValidationError):
            of_row(_row(places="many"))
    assert of_row.kept == {}


def test_at_most_so_many_views_are_kept(
    shelter_of_row: tuple[ViewOfRow[Shelter], list[object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    of_row, _made = shelter_of_row
    monkeypatch.setattr(views, "KEPT", 3)
    for places in range(10):
        assert of_row(_row(places=places)).places == places
    assert 1 <= len(of_row.kept) <= 3
