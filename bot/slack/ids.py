"""Every Slack identifier the app relies on, in one place.

Command names, subcommands, callback_ids, action_ids and block_ids are referenced by the
listeners, the Block Kit builders, the manifest test and the journey tests. Changing one here
changes it everywhere.
"""

COMMAND = "/mentoring"


class Sub:
    """`/mentoring <subcommand>`."""

    HELP = "help"
    JOIN = "join"
    STATUS = "status"
    LEAVE = "leave"
    PAUSE = "pause"
    RESUME = "resume"
    GOALS = "goals"
    # Admin-only, accepted in the admin channel.
    MATCH = "match"
    END = "end"  # end a pair: /mentoring end @person
    PAIR = "pair"  # pair two people by hand: /mentoring pair @a @b
    ADD = "add"  # invite people by email: /mentoring add alice@example.com
    SETTINGS = "settings"  # the program settings, in a modal
    SKILLS = "skills"  # the workspace's skill catalog: list, add, rename, retire, restore
    # Workspace admins (or the admin channel's members): make the channel it's run in the admin channel.
    ADMIN_CHANNEL = "admin-channel"
    REPORT = "report"  # admin-only: the program health report
    EXPORT = "export"  # admin-only: pairs.csv, people.csv, checkins.csv


ADMIN_SUBCOMMANDS = frozenset({Sub.MATCH, Sub.END, Sub.PAIR, Sub.REPORT, Sub.EXPORT, Sub.ADD, Sub.SETTINGS,
                               Sub.SKILLS})


class View:
    """callback_id of every modal."""

    JOIN = "mentoring_join"
    GOALS = "mentoring_goals"
    CHECKIN = "mentoring_checkin"
    END_PAIR = "mentoring_end_pair"  # private_metadata: the pair's id
    SETTINGS = "mentoring_settings"


class Action:
    """action_id of every interactive element that has a listener."""

    LEAVE_CONFIRM = "leave_confirm"
    LEAVE_AND_DELETE = "leave_and_delete"
    LEAVE_CANCEL = "leave_cancel"
    MATCH_CONFIRM = "match_confirm"
    MATCH_CANCEL = "match_cancel"
    OPEN_GOALS = "open_goals"
    OPEN_CHECKIN = "open_checkin"  # value: checkin_button_value(...)
    HOME_JOIN = "home_join"
    MESSAGE_PAIR = "pair_message"  # value: the pair's id; a kind nudge from the program team
    END_PAIR = "end_pair_open"
    OPEN_SETTINGS = "settings_open"
    HOME_MATCH = "home_match"  # App Home: run a matching round
    HOME_EXPORT = "home_export"  # App Home: export the program's data to the admin channel
    HOME_PAUSE = "home_pause"  # App Home: a static_select of break lengths (the value: `/mentoring pause` text)
    HOME_RESUME = "home_resume"  # App Home: back from a break
    REMATCH = "rematch_open"  # value: the Slack user ID of the person to find a new partner for
    HAND_PAIR_CONFIRM = "hand_pair_confirm"  # value: hand_pair_value(mentor, mentee)
    HAND_PAIR_CANCEL = "hand_pair_cancel"
    PROPOSAL_DROP = "proposal_drop"  # value: proposal_drop_value(...)
    PROPOSAL_PAGE = "proposal_page"  # value: proposal_page_value(...) (Next)
    PROPOSAL_PAGE_BACK = "proposal_page_back"  # the same (Previous)


class JoinBlock:
    """block_id / action_id pairs of the join modal's inputs (the action_id equals the block_id)."""

    SIDE = "side"
    SKILLS_SHARE = "skills_share"
    SKILLS_LEARN = "skills_learn"
    SENIORITY = "seniority_years"
    DEPARTMENT = "department"
    MEETING_MODE = "meeting_mode"
    FREQUENCY = "meeting_frequency"
    INTRO = "intro"


class GoalBlock:
    """block_ids of the goals modal (action_id = block_id). Per-slot ids: `slot(FIELD, n)`."""

    WHAT = "goal_what"
    WHY = "goal_why"
    MEASURE = "goal_measure"
    TARGET = "goal_target"
    LEARN_BACK = "learn_back"  # the mentor's "what I'd like to learn back" items

    @staticmethod
    def slot(field: str, n: int) -> str:
        return f"{field}_{n}"


class CheckinBlock:
    """block_ids of the check-in / final-survey modal (action_id = block_id)."""

    MET = "ci_met"
    USEFULNESS = "ci_usefulness"
    LEARNED = "ci_learned"
    WILL_TRY = "ci_will_try"
    BLOCKERS = "ci_blockers"
    SHARE_BLOCKER = "ci_share_blocker"  # checkbox: share the blocker with the program team
    OVERALL = "ci_overall"  # final survey only
    RECOMMEND = "ci_recommend"  # final survey only
    KEEP_MEETING = "ci_keep_meeting"  # final survey only
    PROGRESS_PREFIX = "ci_progress_"  # + goal id

    @classmethod
    def progress(cls, goal_id: int) -> str:
        return f"{cls.PROGRESS_PREFIX}{goal_id}"


class EndBlock:
    """block_ids of the end-a-pair modal (action_id = block_id)."""

    REASON = "end_reason"
    NOTE = "end_note"


class SettingsBlock:
    """block_ids of the settings modal (action_id = block_id)."""

    LENGTH = "set_length_weeks"
    CADENCE = "set_cadence"
    NUDGE_DAY = "set_nudge_day"
    NUDGE_TIME = "set_nudge_time"
    FEEDBACK_DAY = "set_feedback_day"
    FEEDBACK_TIME = "set_feedback_time"
    REMINDER = "set_reminder_after_days"
    QUIET = "set_quiet_cycles"
    DIGEST_DAY = "set_digest_day"
    DIGEST_TIME = "set_digest_time"
    DIGEST_TZ = "set_digest_timezone"
    MAX_TZ = "set_max_tz_diff_hours"
    SAME_DEPT = "set_allow_same_department"


class Event:
    """Events API event types the app subscribes to (must match manifest.yml)."""

    APP_HOME_OPENED = "app_home_opened"
    APP_UNINSTALLED = "app_uninstalled"  # the workspace removed the app
    TOKENS_REVOKED = "tokens_revoked"  # the workspace revoked the app's (bot) token


SUBSCRIBED_EVENTS = (Event.APP_HOME_OPENED, Event.APP_UNINSTALLED, Event.TOKENS_REVOKED)


def goals_metadata(pair_id: int, role: str) -> str:
    """The goals modal's private_metadata: whose goals it edits."""
    return f"{pair_id}:{role}"


def parse_goals_metadata(value: str | None) -> tuple[int, str] | None:
    if not isinstance(value, str):
        return None
    try:
        pair_id, role = (value or "").split(":")
        return int(pair_id), role
    except ValueError:
        return None


def checkin_button_value(pair_id: int, cycle: int, kind: str) -> str:
    """The value of a feedback-prompt button, and the check-in modal's private_metadata: which
    pair, cycle and kind ("checkin" | "final")."""
    return f"{pair_id}:{cycle}:{kind}"


def parse_checkin_button_value(value: str) -> tuple[int, int, str] | None:
    if not isinstance(value, str):
        return None
    try:
        pair_id, cycle, kind = value.split(":")
        return int(pair_id), int(cycle), kind
    except (AttributeError, ValueError):
        return None


def hand_pair_value(mentor: str, mentee: str) -> str:
    """The value of "Pair them anyway": who mentors whom."""
    return f"{mentor}:{mentee}"


def parse_hand_pair_value(value: str | None) -> tuple[str, str] | None:
    if not isinstance(value, str):
        return None
    parts = value.split(":")
    if len(parts) != 2 or not all(p.isascii() and p.isalnum() for p in parts):
        return None
    return parts[0], parts[1]


def proposal_page_value(round_id: int, page: int) -> str:
    """A preview's Next/Previous button: which round, which page (from 0)."""
    return f"{round_id}:{page}"


def parse_proposal_page_value(value: str | None) -> tuple[int, int] | None:
    parts = value.split(":") if isinstance(value, str) else []
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def proposal_drop_value(round_id: int, page: int, mentor: str, mentee: str) -> str:
    """A preview's Drop button: which round, the page it's on, and the pair."""
    return f"{round_id}:{page}:{mentor}:{mentee}"


def parse_proposal_drop_value(value: str | None) -> tuple[int, int, str, str] | None:
    parts = value.split(":") if isinstance(value, str) else []
    if len(parts) != 4 or not all(p.isascii() and p.isalnum() for p in parts) \
            or not (parts[0].isdigit() and parts[1].isdigit()):
        return None
    return int(parts[0]), int(parts[1]), parts[2], parts[3]
