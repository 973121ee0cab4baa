"""What a run yields: agreement, its date, the package and who conceded what."""

from __future__ import annotations

from typing import Any

import numpy as np

from negsim.dynamics import concession_share, settlement_point
from negsim.scenario import Scenario
from negsim.timeline import Timeline


def concession_shares(
    ideal: np.ndarray,
    point: np.ndarray,
    shelved: np.ndarray | None = None,
    demand: np.ndarray | None = None,
) -> np.ndarray:
    """Each state's concession share per issue, [*B, S, I], for settlement points [*B, S, I].

    ``point`` is the package (both rows equal) after an agreement, or each state's
    own current demand when talks did not conclude. On an issue where the two demands
    have met or crossed, both are read at the settlement point between them, so the two
    shares add up to 1 there as they do in a package. On an issue the package shelved
    (``shelved`` [*B, I]), each state's share is how far its own ``demand`` had moved.
    """
    if shelved is not None:
        point = np.where(np.asarray(shelved)[..., None, :], demand, point)

    def shares(at: np.ndarray) -> np.ndarray:
        return np.stack(
            [
                concession_share(ideal[..., 0, :], ideal[..., 1, :], at[..., 0, :]),
                concession_share(ideal[..., 1, :], ideal[..., 0, :], at[..., 1, :]),
            ],
            axis=-2,
        )

    own = shares(point)
    middle = settlement_point(point[..., 0, :], point[..., 1, :])
    crossed = own.sum(axis=-2, keepdims=True) > 1.0
    return np.where(crossed, shares(np.stack([middle, middle], axis=-2)), own)


def settlement_points(demand: np.ndarray, agreed: np.ndarray) -> np.ndarray:
    """The point each state stands at: the package if agreed, its demand if not."""
    package = settlement_point(demand[..., 0, :], demand[..., 1, :])
    both = np.stack([package, package], axis=-2)
    return np.where(np.asarray(agreed)[..., None, None], both, demand)


def issue_value(scenario: Scenario, issue: str, point: float) -> float | None:
    """A point on an issue's axis in the issue's own units (e.g. US$ millions)."""
    units = scenario.issues[issue].units
    if units is None:
        return None
    return units.at_0 + point * (units.at_1 - units.at_0)


def describe_point(scenario: Scenario, issue: str, point: float) -> str:
    """A package point in words: nearer whose position, and by how much."""
    spec = scenario.issues[issue]
    a, b = scenario.state_ids
    ia, ib = spec.ideal[a].value, spec.ideal[b].value
    toward_b = (point - ia) / (ib - ia)  # 0 = A's position, 1 = B's
    near = a if toward_b < 0.5 else b
    distance = min(toward_b, 1 - toward_b)
    if distance < 0.1:
        words = f"{near}'s position: {spec.positions[near]!r}"
    elif distance < 0.4:
        words = f"leans to {near}'s position ({spec.positions[near]!r})"
    else:
        words = f"an even compromise ({a} moved {toward_b:.0%} of the way, {b} {1 - toward_b:.0%})"
    value = issue_value(scenario, issue, point)
    if value is not None:
        words = f"{value:,.0f} {spec.units.label}: {words}"
    return words


def summarize(
    scenario: Scenario,
    timeline: Timeline,
    agreement_step: int | None,
    ideal: np.ndarray,
    demand: np.ndarray,
    gaps: np.ndarray,
    seed: int | None,
    shelved: np.ndarray | None = None,
    signed_step: int = -1,
) -> dict[str, Any]:
    """The summary of one run, as printed by ``negsim run`` and written to summary.json.

    ``ideal`` are the ideals the run started from; ``shelved`` marks issues the package
    set aside; ``signed_step`` is the first month a signed deal failed ratification.
    """
    agreed = agreement_step is not None
    shelved = np.zeros(len(timeline.issue_ids), bool) if shelved is None else np.asarray(shelved)
    points = settlement_points(demand, np.asarray(agreed))
    shares = concession_shares(ideal, points, shelved, demand)
    issues, states = timeline.issue_ids, timeline.state_ids
    package = None
    if agreed:
        package = {
            iid: {
                "point": float(points[0, i]),
                "value": issue_value(scenario, iid, float(points[0, i])),
                "units": scenario.issues[iid].units.label if scenario.issues[iid].units else None,
                "wording": describe_point(scenario, iid, float(points[0, i])),
            }
            for i, iid in enumerate(issues)
            if not shelved[i]
        }
    return {
        "scenario": scenario.id,
        "title": scenario.title,
        "seed": seed,
        "agreement": agreed,
        "agreement_date": timeline.month_label(agreement_step) if agreed else None,
        "package": package,
        "shelved": [iid for i, iid in enumerate(issues) if agreed and shelved[i]],
        "signed_not_ratified": timeline.month_label(signed_step) if signed_step >= 0 else None,
        "concession_share": {
            sid: {iid: float(shares[s, i]) for i, iid in enumerate(issues)}
            for s, sid in enumerate(states)
        },
        # The one summary figure: the plain (unweighted) mean of the shares over the issues.
        "mean_concession": {sid: float(shares[s].mean()) for s, sid in enumerate(states)},
        "final_gap": {iid: float(gaps[i]) for i, iid in enumerate(issues)},
    }
