"""The web pages of the install flow (/slack/install and Slack's redirect back): what the person
installing the app reads, before and after Slack asks them. Pure functions returning HTML."""

from __future__ import annotations

from html import escape

from bot.slack.ids import COMMAND, Sub

INSTALL_PATH = "/slack/install"

_STYLE = """
body { font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       max-width: 36rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; color: #1d1c1d; }
h1 { font-size: 1.6rem; }
a.button { display: inline-block; padding: .6rem 1.2rem; border-radius: .3rem; background: #3b4a6b;
           color: #fff; text-decoration: none; font-weight: 600; }
code { background: #f4f4f4; padding: .1rem .3rem; border-radius: .2rem; }
"""

# Why each failure happened, and what to do, by the reason Bolt gives (`FailureArgs.reason`).
_CANCELLED = ("Nothing was installed",
              "You cancelled in Slack, so Reverse Mentoring wasn't added to your workspace. "
              "Whenever you're ready, you can start again.")
_EXPIRED = ("This install link has expired",
            "For your safety, an install has to finish within ten minutes, in the browser it started in. "
            "Nothing was installed. Please start again.")
_ORG_WIDE = ("Please install it one workspace at a time",
             "Reverse Mentoring runs a program for one workspace at a time, so it can't be added to a whole "
             "Enterprise Grid organization at once, and nothing was installed. Start again and pick a "
             "workspace; repeat for each workspace that runs a program.")
_NOT_SAVED = ("The install couldn't be saved",
              "Slack approved it, but the bot couldn't record it just now, so it isn't ready yet. Please "
              "start again in a minute. If it keeps happening, let whoever runs the bot know: its log says "
              "what went wrong.")
_FAILED = ("Slack couldn't finish the install",
           "Nothing was installed. Please start again in a minute. If it keeps happening, let whoever runs "
           "the bot know: its log says what went wrong.")
FAILURES = {
    "access_denied": _CANCELLED,
    "invalid_browser": _EXPIRED,
    "invalid_state": _EXPIRED,
    "org_wide_install": _ORG_WIDE,
    "storage_error": _NOT_SAVED,
}


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="icon" href="data:,"><title>{escape(title)}</title><style>{_STYLE}</style></head>'
            f"<body>{body}</body></html>\n")


def install_page(authorize_url: str) -> str:
    """/slack/install: what the app does and what Slack will ask, with the button to go on."""
    return _page("Add Reverse Mentoring to Slack", (
        "<h1>Add Reverse Mentoring to Slack</h1>"
        "<p>Reverse Mentoring pairs junior and senior colleagues to learn from each other: a more junior "
        "colleague shares digital skills, a more senior one shares leadership and know-how back. It "
        "introduces each pair and keeps them going with weekly nudges and short check-ins.</p>"
        "<p>Slack will ask you to allow what the app needs: to post in its own conversations, to read "
        "people's names and time zones, and to open group messages for the pairs. Then it brings you "
        "back here.</p>"
        f'<p><a class="button" href="{escape(authorize_url)}">Add to Slack</a></p>'))


def installed_page(*, team_name: str | None, app_url: str | None, welcome_back: bool) -> str:
    """After Slack's redirect: installed, and the three steps that get a program going."""
    where = escape(team_name) if team_name else "your workspace"
    back = ("<p>Welcome back: everything your workspace had in the program is still here, and "
            "nothing will be deleted.</p>") if welcome_back else ""
    open_link = (f'<p><a class="button" href="{escape(app_url)}">Open Reverse Mentoring in Slack</a></p>'
                 if app_url else "")
    return _page("Reverse Mentoring is installed", (
        f"<h1>Reverse Mentoring is installed in {where}</h1>{back}"
        "<p>Three steps to get your program going:</p><ol>"
        "<li>Create a channel for the people who run the program (HR, L&amp;D; private is fine) and "
        "invite the app: <code>/invite @Reverse Mentoring</code>.</li>"
        f"<li>In that channel, a workspace admin or owner runs <code>{COMMAND} {Sub.ADMIN_CHANNEL}</code>: "
        "matching rounds and the weekly digest happen there.</li>"
        f"<li>Tell everyone they can sign up with <code>{COMMAND} {Sub.JOIN}</code>.</li></ol>"
        f"{open_link}"))


def failed_page(reason: str) -> str:
    title, text = FAILURES.get(reason, _FAILED)
    return _page(title, (f"<h1>{escape(title)}</h1><p>{escape(text)}</p>"
                         f'<p><a class="button" href="{INSTALL_PATH}">Start again</a></p>'))
