"""The model's global dynamic constants: one set of rules for every scenario.

Scenarios differ in their states, issues, drivers and events, never in these.
They are gathered in one frozen dataclass so a robustness study can move each
by a stated amount (``Constants().scaled("reach", 1.2)``) without editing code.
Each constant's meaning and how it was chosen is in ``docs/model.md`` and
``docs/calibration.md``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace


@dataclass(frozen=True)
class Constants:
    """Weights, rates and tolerances of the monthly negotiation dynamics."""

    # Drive to settle: weights of each motivation (per unit of the motivation).
    need_weight: float = 0.5
    us_pressure_weight: float = 1.2
    abandonment_weight: float = 0.3
    exclusion_weight: float = 0.9375
    disposition_weight: float = 1.2
    outside_option_weight: float = 0.3
    # Side payments an outside power offers for a deal (aid, debt relief, arms).
    inducement_weight: float = 0.48
    # Domestic resistance: audience cost, amplified by the historical burden (weight x open gap).
    resistance_weight: float = 0.75
    # How far each unit of a state's drive to settle shrinks its historical issues' weight.
    recede_rate: float = 0.1
    # How fast readiness to concede, 1 - exp(-reach * willingness), saturates.
    reach: float = 3.0
    # How strongly an issue's exchange ratio (partner's weight over one's own) steers effort.
    exchange_elasticity: float = 0.4
    # How strongly an issue's share of a state's whole concern holds it there.
    hold_exponent: float = 2.0
    # How far a neutral leader's concessions (in value, weighted by its own saliences) may
    # run ahead of the value it has received (the margin is 2 x this x leader_disposition).
    reciprocity_margin: float = 0.04
    # How far an autonomous leader bent on a deal may go out on a limb: extra margin per unit
    # of the leader override (autonomy x eagerness above neutral).
    override_margin: float = 0.48
    # Share of the distance to its target a state's demand covers in a month of regular rounds.
    adjustment_rate: float = 0.25
    # Rounds of talks a leaders' summit is worth in its month (the pace of talks).
    summit_intensity: float = 6.0
    # Every issue's gap (on its 0-1 axis) must be within this to settle.
    agreement_tolerance: float = 0.05
    # How strongly an audience's opposition to a signed package defeats its ratification.
    ratification_weight: float = 2.0
    # Audience cost added to a state whose ratification failed (a backlash against the deal).
    ratification_backlash: float = 0.1

    def scaled(self, name: str, factor: float) -> Constants:
        """Return a copy with one constant multiplied by ``factor``."""
        if name not in self.names():
            raise KeyError(f"unknown constant {name!r}; known: {', '.join(self.names())}")
        return replace(self, **{name: getattr(self, name) * factor})

    @classmethod
    def names(cls) -> list[str]:
        """Return the constants' names, in declaration order."""
        return [f.name for f in fields(cls)]

    def as_dict(self) -> dict[str, float]:
        """Return the constants as a plain dict (for result manifests)."""
        return asdict(self)


DEFAULT_CONSTANTS = Constants()
