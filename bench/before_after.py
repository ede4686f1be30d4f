"""One row of a before/after table, and the table as the speed-up benches print it."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    speedup: str
    before: float
    after: float
    unit: str  # a time ("ms/photo", "s") or a rate ("images/s")
    note: str = ""

    @property
    def gain(self) -> float:
        """How many times faster "after" is."""
        return self.after / self.before if self.unit.endswith("/s") else self.before / self.after


def print_table(title: str, rows: list[Row]) -> None:
    width = max(len(row.speedup) for row in rows) + 2
    print(title)
    print(f"{'speed-up':<{width}}{'before':>9}{'after':>9}  {'unit':<9}{'gain':>8}  notes")
    for row in rows:
        print(
            f"{row.speedup:<{width}}{row.before:>9.2f}{row.after:>9.2f}  {row.unit:<9}"
            f"{row.gain:>7.2f}x  {row.note}"
        )
