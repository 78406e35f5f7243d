"""Relationship health: a state suggested from what the graph holds, explained in plain words.

The signals are the recency of the last engagement, whether referrals either way get their
feedback, whether referrals flow both ways, and whether the partnership level rose or fell
in the past year. A person's assessment stays the state of record; the suggestion flags where
it disagrees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from graph_models import RelationshipState
from graph_models.common import end_of_day
from graph_models.evidence import Evidence, ReferralFact, ReferralTally
from graph_models.surveys import RoundResults
from service.partnerships.levels import levels_with_first_referrals

GREEN, YELLOW, RED, NO_DOT = (
    RelationshipState.GREEN,
    RelationshipState.YELLOW,
    RelationshipState.RED,
    RelationshipState.NO_DOT,
)
_SEVERITY: dict[RelationshipState | None, int] = {GREEN: 0, YELLOW: 1, RED: 2}


class _Finding(NamedTuple):
    """One signal in words, and the state it points to (None: it points nowhere)."""

    sentence: str
    state: RelationshipState | None


def relationship_health(
    focal: str,
    *,
    assessed: Mapping[str, RelationshipState],
    touchpoints: Mapping[str, date],
    evidence: Iterable[Evidence] = (),
    tallies: Mapping[str, ReferralTally] | None = None,
    referrals: Iterable[ReferralFact] = (),
    as_of: date,
    window_days: int = 90,
    stale_after_days: int = 180,
    lost_after_days: int = 365,
    min_referrals: int = 5,
    survey: RoundResults | None = None,
) -> list[dict[str, Any]]:
    """Suggest a state for every partner of ``focal`` and flag where it disagrees.

    A partner is suggested ``red`` when the last engagement is more than ``lost_after_days``
    old, or more than half of at least ``min_referrals`` referrals in the window have had no
    feedback; ``yellow`` when the last engagement is more than ``stale_after_days`` old or
    there is none, more than a fifth of them have had no feedback, they all went one way, or
    the level fell in the past year; ``no_dot`` when nothing at all is on record; else
    ``green``.

    Parameters
    ----------
    focal : str
        The organization whose partners are read.
    assessed : mapping of partner id to RelationshipState
        The state of record of each relationship as of ``as_of``.
    touchpoints : mapping of partner id to date
        The date of the latest held engagement activity with each partner.
    evidence : iterable of Evidence
        Partnership evidence, as for :func:`~service.partnerships.levels.partnership_levels`.
    tallies : mapping of partner id to ReferralTally, optional
        The referrals between ``focal`` and each partner sent by the end of ``as_of``, as
        ``Store.referral_tallies`` gives them: when the first and the last were sent.
    referrals : iterable of ReferralFact
        The referrals of the window at least (``Store.referral_facts`` of it); those between
        ``focal`` and a partner sent in the ``window_days`` up to ``as_of`` count.
    survey : RoundResults, optional
        The results of the agency's latest survey round: what it says of each relationship;
        given with each partner as it is, never weighed into the suggestion.
    as_of : date
        The day the signals are read on.
    window_days, stale_after_days, lost_after_days, min_referrals : int
        The thresholds above.

    Returns
    -------
    list of dict
        The fields of a :class:`~graph_models.partnerships.RelationshipHealth` for each
        partner, in the model's order (states as RelationshipState, which is a str): plain
        data, as a hub has thousands of partners, and partners alike share their signals.
        Flagged partners first, then by partner id.

    Examples
    --------
    >>> [(h["suggested"].value, h["explanation"], h["flag"]) for h in relationship_health(
    ...     "eld", assessed={"hub": GREEN}, touchpoints={"hub": date(2017, 1, 10)},
    ...     as_of=date(2018, 2, 1))]
    [('red', 'last engagement 387 days ago (2017-01-10); no partnership evidence on record', \
'assessed green, but last engagement 387 days ago (2017-01-10)')]
    """
    evidence = list(evidence)
    until = end_of_day(as_of)
    window = _window(
        focal, referrals, since=end_of_day(as_of - timedelta(days=window_days)), until=until
    )
    first_referral, last_referral = {}, {}
    for partner, tally in (tallies or {}).items():
        if partner != focal:
            first_referral[partner] = tally.first_sent_at
            last_referral[partner] = tally.last_sent_at.astimezone(UTC).date()
    levels, levels_before = (
        levels_with_first_referrals(
            focal, evidence=evidence, first_referrals=first_referral, as_of=day
        )
        for day in (as_of, as_of - timedelta(days=365))
    )
    partners = set(assessed) | set(levels) | set(last_referral)
    surveyed = survey.by_partner() if survey else {}
    thresholds = window_days, stale_after_days, lost_after_days, min_referrals
    # Partners alike in every signal are read alike, and answered alike but for their id and
    # survey when their assessment is the same too: each such reading and row is made once,
    # then copied. The findings name the partner only when there are enough referrals to say
    # which way they went.
    read: dict[tuple[object, ...], _Reading] = {}
    rows: dict[tuple[object, ...], tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    flagged: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for partner in sorted(partners):
        touched, referred = touchpoints.get(partner), last_referral.get(partner)
        last = touched if referred is None or (touched and touched >= referred) else referred
        counts = window.get(partner, _QUIET)
        named = partner if counts[0] + counts[1] >= min_referrals else None
        key = (last, counts, levels.get(partner, 0), levels_before.get(partner, 0), named)
        state = assessed.get(partner)
        found = rows.get((state, key))
        if found is None:
            reading = read.get(key)
            if reading is None:
                reading = read[key] = _reading(focal, partner, as_of, *key[:4], *thresholds)
            flag = _flag(state, reading)
            found = rows[state, key] = (
                _row(state, reading, flag),
                others if flag is None else flagged,
            )
        row, answered = found
        row = row.copy()
        row["partner_id"] = partner
        if surveyed:
            row["survey"] = surveyed.get(partner)
        answered.append(row)
    return flagged + others


def _row(state: RelationshipState | None, reading: _Reading, flag: str | None) -> dict[str, Any]:
    """The fields of the :class:`~graph_models.partnerships.RelationshipHealth` of a partner
    assessed ``state`` whose signals read ``reading``, its id and survey left to fill in."""
    return {
        "partner_id": None,
        "assessed": state,
        "suggested": reading.suggested,
        "action": reading.action,
        "explanation": reading.explanation,
        "flag": flag,
        "signals": reading.signals,
        "survey": None,
    }


_QUIET = (0, 0, 0, 0)


def _window(
    focal: str, referrals: Iterable[ReferralFact], *, since: datetime, until: datetime
) -> dict[str, tuple[int, int, int, int]]:
    """Per partner, the referrals sent after ``since`` and by ``until``: how many ``focal``
    sent and received, and how many of each had no feedback by ``until``."""
    counts: dict[str, list[int]] = {}
    for referral in referrals:
        if since < referral.sent_at <= until:
            if referral.from_org == focal:
                partner, way = referral.to_org, 0
            elif referral.to_org == focal:
                partner, way = referral.from_org, 1
            else:
                continue
            if partner != focal:
                tally = counts.setdefault(partner, [0, 0, 0, 0])
                tally[way] += 1
                tally[way + 2] += referral.closed_at is None or referral.closed_at > until
    return {partner: (a, b, c, d) for partner, (a, b, c, d) in counts.items()}


def _findings(
    focal: str,
    partner: str,
    last: date | None,
    days: int | None,
    counts: tuple[int, int, int, int],
    level: int,
    before: int,
    window_days: int,
    stale_after_days: int,
    lost_after_days: int,
    min_referrals: int,
) -> list[_Finding]:
    """Each signal in words: the last engagement ``last``, ``days`` ago; the window's
    ``counts`` (sent, received, and of each those without feedback); the level now and a year
    ``before``."""
    findings = []
    if days is None:
        findings.append(_Finding("no touchpoint or referral on record", YELLOW))
    else:
        state = RED if days > lost_after_days else YELLOW if days > stale_after_days else GREEN
        findings.append(_Finding(f"last engagement {days} days ago ({last})", state))
    total = counts[0] + counts[1]
    if total:
        missing = counts[2] + counts[3]
        share = missing / total
        enough = total >= min_referrals
        state = RED if enough and share > 0.5 else YELLOW if enough and share > 0.2 else GREEN
        sentence = (
            f"all {total} referrals in {window_days} days have had feedback"
            if not missing
            else f"{missing} of {total} referrals in {window_days} days have had no feedback"
        )
        findings.append(_Finding(sentence, state))
        if total >= min_referrals:
            findings.append(_reciprocity(focal, partner, counts, window_days))
    findings.append(_trend(level, before))
    return findings


def _reciprocity(
    focal: str, partner: str, counts: tuple[int, int, int, int], window_days: int
) -> _Finding:
    sent, received, sent_open, received_open = counts
    if sent and received:
        return _Finding(
            f"referrals in {window_days} days went both ways: {sent} sent "
            f"({sent_open} without feedback), {received} received "
            f"({received_open} without feedback)",
            GREEN,
        )
    source, target = (focal, partner) if sent else (partner, focal)
    return _Finding(
        f"all {sent + received} referrals in {window_days} days went one way, "
        f"from {source} to {target}",
        YELLOW,
    )


def _trend(now: int, before: int) -> _Finding:
    if now < before:
        return _Finding(f"level fell from {before} to {now} in the past year", YELLOW)
    if now > before:
        return _Finding(f"level rose from {before} to {now} in the past year", GREEN)
    if now:
        return _Finding(f"level {now} as a year ago", GREEN)
    return _Finding("no partnership evidence on record", None)


class _Reading(NamedTuple):
    """What the signals of a relationship suggest, and the findings why, graver first."""

    signals: dict[str, Any]
    findings: list[_Finding]
    suggested: RelationshipState
    action: str
    explanation: str


def _reading(
    focal: str,
    partner: str,
    as_of: date,
    last: date | None,
    counts: tuple[int, int, int, int],
    level: int,
    before: int,
    *thresholds: int,
) -> _Reading:
    """What the signals of ``focal``'s relationship with ``partner`` suggest on ``as_of``:
    the last engagement ``last``, the window's ``counts`` (sent, received, and of each those
    without feedback), the level now and a year ``before``."""
    days = (as_of - last).days if last else None
    signals = {
        "last_engagement": last,
        "days_since_engagement": days,
        "referrals_sent": counts[0],
        "referrals_received": counts[1],
        "sent_without_feedback": counts[2],
        "received_without_feedback": counts[3],
        "level": level,
        "level_a_year_ago": before,
    }
    if last is None and not level:
        suggested = NO_DOT
        findings = [_Finding("no touchpoint, referral or partnership evidence on record", NO_DOT)]
    else:
        found = _findings(focal, partner, last, days, counts, level, before, *thresholds)
        findings = sorted(found, key=lambda f: -_SEVERITY.get(f.state, -1))
        suggested = findings[0].state or GREEN
    explanation = "; ".join(f.sentence for f in findings)
    return _Reading(signals, findings, suggested, suggested.action, explanation)


def _flag(assessed: RelationshipState | None, reading: _Reading) -> str | None:
    """Where the suggestion disagrees with the assessed state, and why; None where it does
    not, or where there is no assessment."""
    if assessed is None or assessed is reading.suggested:
        return None
    reasons = _disagreement(assessed, reading.suggested, reading.findings)
    return f"assessed {assessed.value}, but {'; '.join(f.sentence for f in reasons)}"


def _disagreement(
    assessed: RelationshipState, suggested: RelationshipState, findings: list[_Finding]
) -> list[_Finding]:
    """The findings that speak against the assessed state, for the suggested one: when the
    suggestion is graver, the concerns graver than the assessment; when it is milder, the good
    signals (else whatever is milder than the assessment)."""
    if suggested is NO_DOT:
        return findings
    if assessed is NO_DOT:
        wanted = {GREEN} if suggested is GREEN else {YELLOW, RED}
        return [f for f in findings if f.state in wanted]
    bar = _SEVERITY[assessed]
    if _SEVERITY[suggested] > bar:
        return [f for f in findings if _SEVERITY.get(f.state, -1) > bar]
    milder = [f for f in findings if f.state is not None and _SEVERITY[f.state] < bar]
    return [f for f in milder if f.state is GREEN] or milder
