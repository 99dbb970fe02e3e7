"""The domain's phrases that a page shows are Danish there, and a phrase the catalogue does
not know is shown as it is (never replaced by an unrelated message)."""

from __future__ import annotations

from web.danish import phrase


def test_the_gap_analysis_risks_read_in_danish() -> None:
    assert phrase("in the emergency track (nødspor)") == "i nødsporet"
    assert (
        phrase("occupancy below the agreement's 95% at the last 3 month-ends (80%, 81%, 82%)")
        == "belægning under aftalens 95 % ved de sidste 3 månedsafslutninger (80%, 81%, 82%)"
    )
    assert phrase("Ukendt vending") == "Ukendt vending"
