"""The scenario ``negsim new NAME`` writes: the smallest valid file, each field explained."""

from __future__ import annotations

TEMPLATE = """\
# {title}: a scenario written with `negsim new` (docs/scenarios.md explains every field).
# Scales: motivations and saliences 0-1 on one verbal scale: 0 none, 0.2 weak, 0.5 moderate,
# 0.8 strong, 1 overwhelming. leader_disposition: 0.5 neutral, below hostile to a deal, above
# eager. Every value carries a source: where it comes from, or "judgement: <why>".
# Encode what was known as the talks began, never how they ended.
id: {name}
title: {title}
description: >
  Two states, A and B, bargain over one historical and one practical issue while an
  outside power presses them. Replace A and B, the issues and every value with your case's.
start: "2000-01"
end: "2005-12"
talks_active_at_start: true
sources:
  - "replace: the texts this scenario cites"

states:
  A:
    name: State A
    leader: Leader of A
    economic_need: {{value: 0.8, source: "judgement: replace - strong need for the money"}}
    regime_security_need: {{value: 0.5, source: "judgement: replace"}}
    audience_cost: {{value: 0.5, source: "judgement: replace"}}
    leader_autonomy: {{value: 0.5, source: "judgement: replace"}}
    leader_disposition: {{value: 0.5, source: "judgement: replace - neutral"}}
    outside_options: {{value: 0.2, source: "judgement: replace"}}
    us_dependence: {{value: 0.5, source: "judgement: replace"}}
    abandonment_fear: {{value: 0.2, source: "judgement: replace"}}
    fear_of_exclusion: {{value: 0.0, source: "judgement: replace"}}
  B:
    name: State B
    leader: Leader of B
    economic_need: {{value: 0.2, source: "judgement: replace"}}
    regime_security_need: {{value: 0.2, source: "judgement: replace"}}
    audience_cost: {{value: 0.5, source: "judgement: replace"}}
    leader_autonomy: {{value: 0.5, source: "judgement: replace"}}
    leader_disposition: {{value: 0.5, source: "judgement: replace - neutral"}}
    outside_options: {{value: 0.5, source: "judgement: replace"}}
    us_dependence: {{value: 0.5, source: "judgement: replace"}}
    abandonment_fear: {{value: 0.2, source: "judgement: replace"}}
    fear_of_exclusion: {{value: 0.0, source: "judgement: replace"}}

# Each issue is an axis from 0 to 1; ideal says where each side stands on it.
issues:
  history:
    label: The past (apology, the validity of old treaties)
    kind: historical
    positions: {{A: "a full apology", B: "no apology"}}
    ideal: {{A: 0.0, B: 1.0}}
    salience:
      A: {{value: 0.5, source: "judgement: replace"}}
      B: {{value: 0.5, source: "judgement: replace"}}
  money:
    label: The money B pays A
    kind: practical
    units: {{label: "US$ millions", at_0: 800, at_1: 100}}
    positions: {{A: "800 million", B: "100 million"}}
    ideal: {{A: 0.0, B: 1.0}}
    salience:
      A: {{value: 0.5, source: "judgement: replace"}}
      B: {{value: 0.5, source: "judgement: replace"}}

# The outside push toward settlement, per state over time (1.0 = the U.S. push of 1965).
drivers:
  us_pressure:
    interpolation: linear
    series:
      all:
        - {{date: "2000-01", value: 0.2, source: "judgement: replace"}}
        - {{date: "2004-12", value: 0.8, source: "judgement: replace"}}

events: []

shocks:
  drive_sd: {{value: 0.05, source: "monthly domestic noise, as in the shipped scenarios"}}
"""


def scenario_template(name: str) -> str:
    """The text of a new scenario called ``name``."""
    title = name.replace("_", " ").strip().capitalize() or name
    return TEMPLATE.format(name=name, title=title)
