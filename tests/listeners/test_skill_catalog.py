"""Each workspace's skill catalog: admins add, rename, retire and restore skills with
`/mentoring skills` in the admin channel; keys never change; a retired skill stays on the profiles
that have it and isn't offered to anyone new; the join modal, matching and CSV imports follow the
workspace's catalog (keys and names, case-insensitively)."""

from __future__ import annotations

from bot.domain.skills import SkillCatalog
from bot.services import rounds, skills
from bot.services.people_import import parse_csv
from bot.slack.ids import JoinBlock, View
from tests.support.factories import mentee_create, participant_create, seed_participants
from tests.support.harness import ADMIN_CHANNEL, TEAM
from tests.support.slackreq import multi, number, plain, radio, values_from_view

ADMIN = "U0ADM"
HEADER = "slack_user_id,name,side,skills_share,skills_learn,seniority_years,department,timezone"


def run(bot, user, text, channel=ADMIN_CHANNEL) -> dict:
    before = len(bot.fake.calls_to("response_url"))
    status, _, body = bot.slack.command(user, text, channel_id=channel)
    assert status == 200 and not body
    return bot.fake.wait_for("response_url", count=before + 1)[-1].params


def offered(view) -> dict[str, list[str]]:
    """The join modal's skill options: block_id -> values."""
    out = {}
    for b in view["blocks"]:
        if b.get("block_id") in (JoinBlock.SKILLS_SHARE, JoinBlock.SKILLS_LEARN):
            out[b["block_id"]] = [o["value"] for g in b["element"]["option_groups"] for o in g["options"]]
    return out


def join_modal(bot, user) -> dict:
    before = len(bot.fake.calls_to("views.open"))
    bot.slack.command(user, "join", channel_id="C0GENERAL")
    view = bot.fake.wait_for("views.open", count=before + 1)[-1].json("view")
    assert view["callback_id"] == View.JOIN
    return view


def catalog(bot) -> SkillCatalog:
    return skills.catalog_for(bot.db, team_id=TEAM)


def test_admins_add_rename_retire_and_restore_skills_and_the_program_follows(bot_on):
    bot = bot_on
    bot.fake.add_user(ADMIN, "Ada Admin")
    bot.fake.add_user("U0NOBODY", "No Body")
    bot.fake.set_channel_members(ADMIN_CHANNEL, [ADMIN])

    listed = run(bot, ADMIN, "skills")
    assert "AI tools (ChatGPT, Copilot) `ai_tools`" in str(listed["blocks"])

    added = run(bot, ADMIN, "skills add Podcasting & audio")
    assert added["response_type"] == "in_channel"
    assert added["text"] == (f"<@{ADMIN}> added the skill *Podcasting &amp; audio* (`podcasting_audio`, "
                             "Digital skills): people can pick it from now on.")
    run(bot, ADMIN, "skills add leadership Coaching others")
    assert catalog(bot).get("coaching_others").group == "leadership"
    assert "already a skill called *Podcasting &amp; audio*" in run(bot, ADMIN, "skills add PODCASTING  &  AUDIO")["text"]
    assert "already a skill called *Excel & spreadsheets*".replace("&", "&amp;") in \
        run(bot, ADMIN, "skills add excel & spreadsheets")["text"]

    renamed = run(bot, ADMIN, "skills rename AI tools (ChatGPT, Copilot) AI assistants")
    assert renamed["text"].startswith(f"<@{ADMIN}> renamed the skill *AI tools (ChatGPT, Copilot)* to *AI assistants*")
    assert catalog(bot).label("ai_tools") == "AI assistants"  # the key stays
    run(bot, ADMIN, "skills rename social_media Social media")
    retired = run(bot, ADMIN, "skills retire Social MEDIA")
    assert "retired the skill *Social media* (`social_media`)" in retired["text"]
    assert catalog(bot).get("social_media").retired

    # Refusals: each says why, nothing changes.
    assert "is already retired" in run(bot, ADMIN, "skills retire social_media")["text"]
    assert "I don't know a skill called `juggling`" in run(bot, ADMIN, "skills retire juggling")["text"]
    assert "needs 1 to 75 characters" in run(bot, ADMIN, "skills add <@U0EVIL>")["text"]
    assert "I didn't understand that" in run(bot, ADMIN, "skills frobnicate")["text"]
    assert run(bot, "U0NOBODY", "skills add Knitting")["text"].startswith("Only program admins can do that")
    assert "only works in the program's admin channel" in run(bot, ADMIN, "skills", channel="C0GENERAL")["text"]
    assert "knitting" not in catalog(bot)

    # Someone who already had the retired skill keeps it, and may keep it when editing their profile.
    seed_participants(bot.db, [participant_create(slack_user_id="U0OLD", skills_share=["social_media", "ai_tools"])])
    bot.fake.add_user("U0OLD", "Old Timer")
    old_view = join_modal(bot, "U0OLD")
    assert "social_media" in offered(old_view)[JoinBlock.SKILLS_SHARE]
    status, _, body = bot.slack.view_submission("U0OLD", old_view, values_from_view(old_view))
    assert status == 200 and not body
    # Someone new isn't offered it, and can't pick it by forging the form; the added skills are offered.
    bot.fake.add_user("U0NEW", "New Person")
    new_view = join_modal(bot, "U0NEW")
    choices = offered(new_view)[JoinBlock.SKILLS_SHARE]
    assert "social_media" not in choices and "podcasting_audio" in choices and "coaching_others" in choices
    labels = {o["value"]: o["text"]["text"] for b in new_view["blocks"] if b.get("block_id") == JoinBlock.SKILLS_SHARE
              for g in b["element"]["option_groups"] for o in g["options"]}
    assert labels["ai_tools"] == "AI assistants"
    answers = {JoinBlock.SIDE: radio("mentor"), JoinBlock.SKILLS_SHARE: multi(["podcasting_audio"]),
               JoinBlock.SKILLS_LEARN: multi(["coaching_others"]), JoinBlock.SENIORITY: number(2),
               JoinBlock.DEPARTMENT: plain("Sales")}
    status, _, body = bot.slack.view_submission("U0NEW", new_view, values_from_view(new_view, answers))
    assert status == 200 and not body
    welcome = bot.wait_until(lambda: [c for c in bot.fake.calls_to("chat.postMessage") if c.params["channel"] == "U0NEW"],
                             what="the welcome DM")
    assert "*Can share:* Podcasting &amp; audio" in str(welcome[0].json("blocks"))  # text is text
    forged = dict(answers, **{JoinBlock.SKILLS_SHARE: multi(["podcasting_audio"])})
    forged_values = values_from_view(new_view, forged)
    forged_values[JoinBlock.SKILLS_SHARE][JoinBlock.SKILLS_SHARE]["selected_options"].append(
        {"text": {"type": "plain_text", "text": "Social media"}, "value": "social_media"})
    status, _, body = bot.slack.view_submission("U0NEW", new_view, forged_values)
    assert body == {"response_action": "errors", "errors": {JoinBlock.SKILLS_SHARE: "Pick skills from the list."}}

    # Restored, it's offered again.
    assert "restored the skill *Social media*" in run(bot, ADMIN, "skills restore social_media")["text"]
    assert "social_media" in offered(join_modal(bot, "U0NEW"))[JoinBlock.SKILLS_SHARE]

    # Matching says the workspace's names.
    seed_participants(bot.db, [mentee_create(slack_user_id="U0SEN", skills_learn=["podcasting_audio"],
                                             skills_share=["coaching_others"])])
    proposal, _ = rounds.dry_run(bot.db, team_id=TEAM, now=bot.deps.now())
    reasons = " ".join(r for p in proposal.pairs for r in p.reasons)
    assert "Podcasting & audio" in reasons and "Coaching others" in reasons


def test_csv_imports_take_the_workspaces_skills_by_key_or_name_in_any_case(bot):
    bot.fake.add_user(ADMIN, "Ada Admin")
    bot.fake.set_channel_members(ADMIN_CHANNEL, [ADMIN])
    run(bot, ADMIN, "skills add Podcasting")
    run(bot, ADMIN, "skills rename ai_tools AI assistants")
    run(bot, ADMIN, "skills retire spreadsheets")
    cat = catalog(bot)
    text = "\n".join([HEADER, "U0A1,Ana,mentor,PODCASTING;ai assistants;AI_TOOLS,,2,Marketing,Europe/Madrid",
                      "U0A2,Bo,mentee,,podcasting,25,Finance,Europe/Stockholm"]) + "\n"
    rows, problems = parse_csv(text, skills=cat)
    assert problems == [] and [r.skills_share for r in rows] == [["ai_tools", "podcasting"], []]
    bad = "\n".join([HEADER, "U0A3,Cy,mentor,Excel & spreadsheets,,2,Sales,UTC"]) + "\n"
    rows, problems = parse_csv(bad, skills=cat)
    assert rows == [] and problems == ["line 2: the skill 'Excel & spreadsheets' in skills_share is retired: "
                                       "it isn't offered any more"]
    # Without the workspace's catalog (another workspace), its added skill is unknown.
    assert parse_csv(text)[0] == []


def test_the_import_command_reads_the_workspaces_catalog(tmp_path, clean_cli_env, capsys):
    from datetime import UTC, datetime

    from bot import cli
    from storage import schema
    from storage.db import Database
    from storage.repositories import skills as skills_repo

    db = Database(clean_cli_env)
    schema.upgrade(db)
    with db.session() as s:
        skills_repo.put(s, team_id="T1", key="podcasting", label="Podcasting", group="digital", retired_at=None,
                        by=ADMIN, at=datetime(2026, 3, 2, tzinfo=UTC), created=True)
    path = tmp_path / "people.csv"
    path.write_text("\n".join([HEADER, "U0A1,Ana,mentor,Podcasting,,2,Marketing,Europe/Madrid"]) + "\n")
    assert cli.main(["import", str(path), "--team", "T2"]) == 1  # another workspace: unknown there
    assert "unknown skill 'Podcasting' in skills_share" in capsys.readouterr().err
    assert cli.main(["import", str(path), "--team", "T1"]) == 0
    with db.session() as s:
        from storage.repositories import participants
        assert participants.get(s, team_id="T1", user_id="U0A1").skills_share == ["podcasting"]
    db.dispose()
