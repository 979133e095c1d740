"""What the preview offers for each name that cannot move as it is, and what stops a promotion until
the user has chosen: only the choices that work, each with its consequence in the user's words."""

from __future__ import annotations

from .slice import Unmoved, short
from .types import Problem, Reason, UnmovedChoice, UnmovedDict


def quoted(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def unmoved_entry(u: Unmoved, chosen: str | None) -> UnmovedDict:
    """A name that cannot move as it is, with only the choices that work and what each one does."""
    choices: list[UnmovedChoice] = (
        ["parameter", "move", "cancel"] if u.can_be_parameter else ["move", "cancel"]
    )
    consequences: dict[str, str] = {
        "move": f"`{short(u.stmt_text, 50)}` moves to the module too and runs whenever the module is imported.",
        "cancel": "Nothing is promoted; the notebook stays as it is.",
    }
    if u.can_be_parameter:
        consequences["parameter"] = (
            f"{quoted(u.users)} {'take' if len(u.users) > 1 else 'takes'} `{u.name}` as an argument; "
            f"the notebook's calls pass `{u.name}={u.name}`."
        ) + "".join(
            f" The default `{param}={u.name}` of `{user}` becomes `{param}=None`, which means `{u.name}` "
            "when called."
            for user, param in u.sentinels
        )
    why = ""
    if u.at_definition:
        why = f"; {quoted(u.at_definition)} read{'' if len(u.at_definition) > 1 else 's'} it when defined"
    elif u.not_functions:
        why = f"; {quoted(u.not_functions)} cannot take it as an argument"
    elif u.passed_as_value:
        why = (
            f"; {quoted(u.passed_as_value)} {'are' if len(u.passed_as_value) > 1 else 'is'} passed as a value "
            "(a callback), so what calls it cannot pass it as an argument"
        )
    suggested: UnmovedChoice = "parameter" if u.can_be_parameter else "move"
    for choice in choices:
        if choice == chosen:
            suggested = choice
    return {
        "name": u.name,
        "cell": u.stmt.cell,
        "line": u.stmt.line,
        "reason": f"{u.reason}, used by {quoted(u.users)}{why}.",
        "choices": choices,
        "consequences": consequences,
        "suggested": suggested,
    }


def unmoved_problems(unmoved: list[UnmovedDict], chosen: dict[str, str]) -> list[Problem]:
    """Cancelled names stop the promotion; names without a choice need one."""
    cancelled = [u["name"] for u in unmoved if chosen.get(u["name"]) == "cancel"]
    if cancelled:
        return [
            Problem(
                Reason.CANCELLED,
                f"Cancelled: {quoted(cancelled)} stay{'' if len(cancelled) > 1 else 's'} in the notebook, "
                "so the promotion cannot go ahead.",
            )
        ]
    open_names = [u["name"] for u in unmoved if chosen.get(u["name"]) not in ("parameter", "move")]
    if not open_names:
        return []
    many = len(open_names) > 1
    # only the choices that work: data read when defined, or by a callback, can only move
    can_be_parameter = any("parameter" in u["choices"] for u in unmoved if u["name"] in open_names)
    choose = "parameter or move" if can_be_parameter else "move"
    return [
        Problem(
            Reason.UNMOVED_DATA,
            f"{len(open_names)} name{'s' if many else ''} the selection reads ({', '.join(open_names)}) "
            f"{'are' if many else 'is'} data computed in the notebook: choose {choose} for "
            f"{'each' if many else 'it'}, or cancel.",
        )
    ]
