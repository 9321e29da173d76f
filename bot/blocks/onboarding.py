"""Builders for the onboarding surface: help, the join modal, status, leave, App Home."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.blocks.common import (
    actions,
    button,
    context,
    divider,
    esc,
    header,
    input_block,
    modal,
    option,
    plain,
    section,
    user,
)
from bot.domain import catalog
from bot.domain.skills import SkillCatalog
from bot.slack.ids import COMMAND, Action, JoinBlock, Sub, View

HELP_TEXT = "Reverse mentoring: here's what you can do."


def build_help_message(*, unknown: str | None = None, is_admin_channel: bool = False) -> dict:
    lines = [
        "*Reverse mentoring* pairs people across generations: a more junior colleague shares "
        "digital skills, a more senior one shares leadership and know-how back.",
        "",
        f"• `{COMMAND} {Sub.JOIN}`: sign up, or edit your profile",
        f"• `{COMMAND} {Sub.STATUS}`: your profile and where you stand",
        f"• `{COMMAND} {Sub.GOALS}`: set or edit your pair's goals",
        f"• `{COMMAND} {Sub.PAUSE} 2w` or `{COMMAND} {Sub.PAUSE} until 2026-12-31`: take a break; "
        f"`{COMMAND} {Sub.RESUME}` to come back",
        f"• `{COMMAND} {Sub.LEAVE}`: leave the program (and delete your data if you like)",
    ]
    if is_admin_channel:
        lines += ["", f"*Admins:* `{COMMAND} {Sub.MATCH}` previews a matching round here; "
                  f"`{COMMAND} {Sub.ADMIN_CHANNEL}` in another channel moves the program there.",
                  f"• `{COMMAND} {Sub.END} @person`: end their pair (you'll be asked why), then find them a "
                  "new partner",
                  f"• `{COMMAND} {Sub.PAIR} @mentor @mentee`: pair two people by hand",
                  f"• `{COMMAND} {Sub.ADD} alice@example.com bob@example.com`: invite people to join",
                  f"• `{COMMAND} {Sub.SETTINGS}`: the program's length, rhythm and matching rules",
                  f"• `{COMMAND} {Sub.SKILLS}`: the skills people pick from; add, rename or retire them"]
        lines += [f"`{COMMAND} {Sub.REPORT}` posts the program's health here; "
                  f"`{COMMAND} {Sub.EXPORT}` shares pairs, people and check-ins as CSV files."]
    blocks = []
    if unknown:
        blocks.append(section(f"I don't know `{esc(unknown[:50])}` yet, but here's what I can do."))
    blocks.append(section("\n".join(lines)))
    return {"response_type": "ephemeral", "text": HELP_TEXT, "blocks": blocks}


def _skill_groups(skills: SkillCatalog, kept=()) -> list[dict]:
    """The workspace's offered skills by group, plus retired ones the person already has."""
    kept = set(kept)
    groups = []
    for group, label in catalog.GROUP_LABELS.items():
        options = [option(s.label, s.key) for s in skills.skills
                   if s.group == group and (not s.retired or s.key in kept)]
        if options:
            groups.append({"label": plain(label), "options": options})
    return groups


def _skill_options(skills: SkillCatalog, keys) -> list[dict]:
    return [option(skills.label(k), k) for k in keys if k in skills]


def build_join_modal(profile=None, skills: SkillCatalog | None = None) -> dict:
    """The sign-up modal; prefilled from `profile` (a Participant) when editing. `skills`: the
    workspace's catalog (default: the built-in one)."""
    skills = skills or SkillCatalog.builtin()
    kept = [*(profile.skills_share or ()), *(profile.skills_learn or ())] if profile is not None else []
    side_options = [option(catalog.SIDE_LABELS[s], s) for s in catalog.SIDES]
    side_el: dict = {"type": "radio_buttons", "options": side_options}
    share_el: dict = {"type": "multi_static_select", "placeholder": plain("Pick skills"),
                      "option_groups": _skill_groups(skills, kept)}
    learn_el: dict = {"type": "multi_static_select", "placeholder": plain("Pick skills"),
                      "option_groups": _skill_groups(skills, kept)}
    years_el: dict = {"type": "number_input", "is_decimal_allowed": False, "min_value": "0",
                      "max_value": str(catalog.MAX_SENIORITY_YEARS)}
    dept_el: dict = {"type": "plain_text_input", "max_length": catalog.MAX_DEPARTMENT_LEN,
                     "placeholder": plain("e.g. Finance")}
    mode_options = [option(label, key) for key, label in catalog.MEETING_MODES.items()]
    mode_el: dict = {"type": "static_select", "options": mode_options,
                     "initial_option": mode_options[0]}
    freq_options = [option(label, key) for key, label in catalog.FREQUENCIES.items()]
    freq_el: dict = {"type": "radio_buttons", "options": freq_options,
                     "initial_option": freq_options[0]}
    intro_el: dict = {"type": "plain_text_input", "multiline": True,
                      "max_length": catalog.MAX_INTRO_LEN,
                      "placeholder": plain("A line or two your partner will see")}

    if profile is not None:
        side_el["initial_option"] = side_options[catalog.SIDES.index(profile.side)]
        if share := _skill_options(skills, profile.skills_share):
            share_el["initial_options"] = share
        if learn := _skill_options(skills, profile.skills_learn):
            learn_el["initial_options"] = learn
        years_el["initial_value"] = str(profile.seniority_years)
        dept_el["initial_value"] = profile.department
        if profile.meeting_mode in catalog.MEETING_MODES:
            mode_el["initial_option"] = mode_options[list(catalog.MEETING_MODES).index(profile.meeting_mode)]
        if profile.meeting_frequency in catalog.FREQUENCIES:
            freq_el["initial_option"] = freq_options[list(catalog.FREQUENCIES).index(profile.meeting_frequency)]
        if profile.intro:
            intro_el["initial_value"] = profile.intro

    editing = profile is not None and profile.status != "left"
    returning = profile is not None and profile.status == "left"
    if editing:
        lead = "Edit your profile; your partner and future matches use it."
    elif returning:
        lead = ("Welcome back! Your answers from last time are filled in: check they're still true, and "
                "you're back in the pool for the next matching round.")
    else:
        lead = ("Reverse mentoring pairs a more junior colleague, who shares digital skills, with a "
                "more senior one, who shares leadership and know-how back. Tell us a little about you.")
    blocks = [
        section(lead),
        input_block(JoinBlock.SIDE, "How would you like to take part?", side_el),
        input_block(JoinBlock.SKILLS_SHARE, "Skills you can share", share_el, optional=True,
                    hint="Digital skills if you're a reverse mentor; leadership know-how if you're learning."),
        input_block(JoinBlock.SKILLS_LEARN, "Skills you'd like to learn", learn_el, optional=True),
        input_block(JoinBlock.SENIORITY, "Years of work experience", years_el,
                    hint="Mentors are always paired with someone more experienced."),
        input_block(JoinBlock.DEPARTMENT, "Department", dept_el,
                    hint="We pair people across departments."),
        input_block(JoinBlock.MEETING_MODE, "How do you prefer to meet?", mode_el),
        input_block(JoinBlock.FREQUENCY, "How often?", freq_el),
        input_block(JoinBlock.INTRO, "Short intro", intro_el, optional=True),
    ]
    title = "Edit your profile" if editing else "Rejoin reverse mentoring" if returning else "Join reverse mentoring"
    return modal(View.JOIN, title, blocks, submit="Save" if editing else "Rejoin" if returning else "Join")


def profile_lines(profile, skills: SkillCatalog | None = None) -> list[str]:
    """`skills`: the workspace's catalog, for the skills' names (default: the built-in one)."""
    names = (skills or SkillCatalog.builtin()).label_list
    return [
        f"*Taking part:* {catalog.SIDE_SHORT.get(profile.side, profile.side)}",
        f"*Can share:* {esc(names(profile.skills_share))}",
        f"*Wants to learn:* {esc(names(profile.skills_learn))}",
        f"*Experience:* {profile.seniority_years} year{'' if profile.seniority_years == 1 else 's'} · "
        f"*Department:* {esc(profile.department)}",
        f"*Meets:* {catalog.MEETING_MODES.get(profile.meeting_mode, profile.meeting_mode)}, "
        f"{catalog.FREQUENCIES.get(profile.meeting_frequency, profile.meeting_frequency).lower()} · "
        f"*Time zone:* {esc(profile.timezone)}",
    ]


def standing_line(profile, *, partner_id: str | None, partner_role: str | None,
                  paired_since: date | None, today: date, partners: Sequence = (),
                  completed_with: str | None = None) -> str:
    """`partners`: every active pair (objects with `partner_id`, `role`, `since`; see
    `bot.services.onboarding.Standing.pairs`); with more than one, each partner gets a line."""
    if profile is None:
        return f"You haven't joined yet. `{COMMAND} {Sub.JOIN}` takes a minute."
    if profile.status == "left":
        return f"You've left the program. `{COMMAND} {Sub.JOIN}` brings you back any time."
    if profile.status == "paused" and (profile.paused_until is None or profile.paused_until > today):
        if profile.paused_until is None:
            return f"You're paused: no prompts until you're back. `{COMMAND} {Sub.RESUME}` when you're ready."
        return (f"You're paused until {profile.paused_until:%A} {profile.paused_until.day} "
                f"{profile.paused_until:%B}: no prompts until then. `{COMMAND} {Sub.RESUME}` to come back sooner.")
    if len(partners) > 1:
        lines = [f"• {user(p.partner_id)} (your {p.role})" + (f" since {p.since.day} {p.since:%B}" if p.since else "")
                 for p in partners]
        return f"You're paired with {len(partners)} people:\n" + "\n".join(lines)
    if partner_id:
        since = f" since {paired_since.day} {paired_since:%B}" if paired_since else ""
        return f"You're paired with {user(partner_id)} (your {partner_role}){since}."
    done = f"Your program with {user(completed_with)} is complete. " if completed_with else ""
    return f"{done}You're in the pool: you'll hear from me when the next matching round pairs you."


def standing_text(st, *, today: date) -> str:
    """Where the person stands (`st`: a `bot.services.onboarding.Standing`)."""
    return standing_line(st.profile, partner_id=st.partner_id, partner_role=st.partner_role,
                         paired_since=st.paired_since, today=today, partners=st.pairs,
                         completed_with=st.completed_with)


def _member_profile(st):
    return st.profile if st.profile is not None and st.profile.status != "left" else None


def build_status(st, *, today: date, skills: SkillCatalog | None = None) -> dict:
    """`/mentoring status` for a `Standing`."""
    return build_status_message(_member_profile(st), standing=standing_text(st, today=today), skills=skills)


def build_home(st, *, today: date) -> dict:
    """The App Home tab for a `Standing`."""
    return build_home_view(_member_profile(st), standing=standing_text(st, today=today))


def build_status_message(profile, *, standing: str, skills: SkillCatalog | None = None) -> dict:
    if profile is None:
        return {"response_type": "ephemeral", "text": standing, "blocks": [section(standing)]}
    blocks = [
        section(f"*Your reverse-mentoring profile*\n{standing}"),
        section("\n".join(profile_lines(profile, skills))),
    ]
    if profile.intro:
        blocks.append(context(f"Your intro: {esc(profile.intro)}"))
    blocks.append(context(f"`{COMMAND} {Sub.JOIN}` to edit · `{COMMAND} {Sub.LEAVE}` to leave"))
    return {"response_type": "ephemeral", "text": standing, "blocks": blocks}


DELETE_CONFIRM_TEXT = ("I'll delete your profile, the goals you set, your check-ins and survey answers, and my "
                       "copies of messages about you, and take your name and Slack ID out of your pairings and "
                       "matching rounds. Messages already in Slack stay there. This can't be undone.")


def _delete_button() -> dict:
    confirm = {
        "title": plain("Delete your data?"),
        "text": {"type": "mrkdwn", "text": DELETE_CONFIRM_TEXT},
        "confirm": plain("Leave and delete"),
        "deny": plain("Keep my data"),
        "style": "danger",
    }
    return button("Leave and delete my data", Action.LEAVE_AND_DELETE, value="delete", style="danger",
                  confirm=confirm)


def build_leave_confirm(*, in_pair: bool) -> dict:
    text = "Leave reverse mentoring?"
    detail = ("You'll leave the matching pool and stop getting prompts."
              + (" Your partner will get a kind note that the pair has ended." if in_pair else "")
              + f" Your profile stays, so `{COMMAND} {Sub.JOIN}` brings you back as you were. Or I can "
              "delete your data as you leave: your profile, goals, check-ins, and your name and Slack ID "
              "everywhere I keep them.")
    return {
        "response_type": "ephemeral",
        "text": text,
        "blocks": [
            section(f"*{text}*\n{detail}"),
            actions(
                button("Leave", Action.LEAVE_CONFIRM, value="leave"),
                _delete_button(),
                button("Stay", Action.LEAVE_CANCEL, value="stay"),
            ),
        ],
    }


def build_already_left(*, has_data: bool) -> dict:
    """`/mentoring leave` from someone who has left already: their profile may still be kept."""
    if not has_data:
        text = f"You're not in the program, and I keep no profile for you. `{COMMAND} {Sub.JOIN}` to join."
        return {"response_type": "ephemeral", "text": text}
    text = (f"You've already left reverse mentoring. I've kept your profile so that `{COMMAND} {Sub.JOIN}` "
            "brings you back as you were; you can have it deleted now instead.")
    return {"response_type": "ephemeral", "text": text,
            "blocks": [section(text), actions(_delete_button(), button("Keep it", Action.LEAVE_CANCEL, value="stay"))]}


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def erased_lines(erased) -> list[str]:
    """What `bot.services.onboarding.forget` removed (`erased`: an Erased), as bullet lines."""
    lines = []
    if erased.profile:
        lines.append("your profile: how you take part, your skills, experience, department, time zone, "
                     "meeting preferences and intro")
    if erased.goals:
        lines.append(f"{_n(erased.goals, 'goal')} you wrote")
    if erased.checkins:
        lines.append(f"{_n(erased.checkins, 'check-in')} and survey answers"
                     if erased.checkins > 1 else "your check-in")
    if erased.messages:
        lines.append(f"my copies of {_n(erased.messages, 'message')} that named you or were for your pairing")
    kept = []
    if erased.pairs:
        kept.append(_n(erased.pairs, "pairing"))
    if erased.rounds:
        kept.append(_n(erased.rounds, "matching round"))
    if erased.other:
        kept.append(_n(erased.other, "other record"))
    if kept:
        lines.append("your name, Slack ID and the reasons you were matched, from " + " and ".join(
            [", ".join(kept[:-1]), kept[-1]] if len(kept) > 1 else kept))
    return lines


def build_left_message(*, deleted: bool, erased=None, member: bool = True) -> str:
    if not deleted:
        return (f"You've left reverse mentoring. Your profile is kept, so `{COMMAND} {Sub.JOIN}` brings you "
                f"back as you were; `{COMMAND} {Sub.LEAVE}` again if you'd rather have it deleted. "
                "Thank you for taking part.")
    lines = erased_lines(erased) if erased is not None else []
    if not lines:
        return ("I had no data about you to delete, so nothing has changed. Messages already in Slack stay in "
                f"Slack. `{COMMAND} {Sub.JOIN}` if you'd like to take part.")
    head = ("You've left reverse mentoring, and I've deleted your data:" if member
            else "I've deleted what I kept about you:")
    return (head + "\n" + "\n".join(f"• {line}" for line in lines) + "\n"
            "All I keep is a one-way code made from your Slack ID, which can't be turned back into it, so that "
            "if you come back you're never paired with the same person again. Messages already posted in Slack "
            "stay in Slack: you can delete your own there. Thank you for taking part; "
            f"`{COMMAND} {Sub.JOIN}` if you'd like to come back.")


STAYING = "Glad you're staying. Nothing has changed."


def build_not_a_member_message() -> str:
    return f"You're not signed up, so there's nothing to leave. `{COMMAND} {Sub.JOIN}` to join."


def build_joined_dm(profile, *, created: bool, skills: SkillCatalog | None = None) -> dict:
    if created:
        text = "Welcome to reverse mentoring! You're in the pool for the next matching round."
    else:
        text = "Your reverse-mentoring profile is updated."
    blocks = [
        section(f"*{text}*"),
        section("\n".join(profile_lines(profile, skills))),
        context(f"`{COMMAND} {Sub.STATUS}` shows where you stand · `{COMMAND} {Sub.JOIN}` edits your profile"),
    ]
    return {"text": text, "blocks": blocks}


def build_not_saved_dm() -> str:
    return (f"Sorry, I couldn't save your profile just now, so nothing has changed. Please try "
            f"`{COMMAND} {Sub.JOIN}` again in a minute.")


def build_home_view(profile, *, standing: str) -> dict:
    blocks = [header("Reverse mentoring"), section(standing)]
    if profile is not None and profile.status != "left":
        blocks.append(section("\n".join(profile_lines(profile))))
        blocks.append(actions(button("Edit my profile", Action.HOME_JOIN)))
    else:
        blocks.append(section(
            "A more junior colleague shares digital skills; a more senior one shares leadership "
            "and know-how back. Pairs meet regularly for about three months."
        ))
        blocks.append(actions(button("Join", Action.HOME_JOIN, style="primary")))
    blocks += [divider(), context(f"Type `{COMMAND} {Sub.HELP}` anywhere for everything I can do.")]
    return {"type": "home", "blocks": blocks}


