"""Who may read and play an exercise, on the roles of :mod:`hazatlas.domain.access` and the
exercise's own staff (controller, evaluator, observer).

Reading: administrators, basin bodies, the national authorities of the exercise's Parties and
its staff read the whole exercise; nobody else learns that it exists (an exercise is not
public; its after-action report is shared as a file by those who read it).

Writing:

* create: a national authority of one of the Parties (it becomes the first controller) or an
  administrator; staff named at creation must be national authorities of a Party, basin bodies
  or administrators (a country's exercise is not handed to a stranger);
* the master events list, the clock, releases, the end and the improvement plan: the
  exercise's controllers and administrators;
* ratings: evaluators and administrators;
* journal: participants (the national authorities of the Parties) log their actions, staff
  log notes; feedback: participants and staff, one form each.
"""

from __future__ import annotations

from hazatlas.domain.access import Principal, Role
from hazatlas.domain.errors import PermissionDeniedError
from hazatlas.domain.exercises.model import Exercise, StaffRole


def _who(principal: Principal) -> str:
    return f"user '{principal.username}' ({principal.role})"


def is_participant(principal: Principal, exercise: Exercise) -> bool:
    return principal.role is Role.NATIONAL and principal.country_iso3 in exercise.parties


def is_staff(principal: Principal, exercise: Exercise) -> bool:
    return any(user == principal.username for user, _ in exercise.staff)


def can_read(principal: Principal, exercise: Exercise) -> bool:
    return (principal.is_admin or principal.role is Role.BASIN
            or is_participant(principal, exercise) or is_staff(principal, exercise))


def check_create(principal: Principal, parties: tuple[str, ...]) -> None:
    if principal.is_admin or (principal.role is Role.NATIONAL
                              and principal.country_iso3 in parties):
        return
    raise PermissionDeniedError(f"{_who(principal)} may not create an exercise of "
                                f"{', '.join(parties)}: national authorities of a Party and "
                                "administrators do")


def check_staff_member(member: Principal, role: str, parties: tuple[str, ...]) -> None:
    ok = member.is_admin or member.role is Role.BASIN or (
        member.role is Role.NATIONAL and member.country_iso3 in parties)
    if not ok:
        raise PermissionDeniedError(f"{_who(member)} cannot be {role} of an exercise of "
                                    f"{', '.join(parties)}: staff are national authorities of a "
                                    "Party, basin bodies or administrators")


def check_role(principal: Principal, exercise: Exercise, role: StaffRole, what: str) -> None:
    if principal.is_admin or exercise.has_role(principal.username, role):
        return
    raise PermissionDeniedError(f"{_who(principal)} may not {what} in exercise "
                                f"'{exercise.id}': its {role}s do")


def check_log(principal: Principal, exercise: Exercise) -> str | None:
    """The Party the entry is logged for (a participant's country; ``None`` for staff)."""
    if is_participant(principal, exercise):
        return principal.country_iso3
    if principal.is_admin or is_staff(principal, exercise):
        return None
    raise PermissionDeniedError(f"{_who(principal)} takes no part in exercise '{exercise.id}'")
