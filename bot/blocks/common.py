"""Small Block Kit element helpers shared by every builder."""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]

FOREIGN_WORKSPACE = ("This reverse-mentoring app runs for another Slack workspace, so it can't help "
                     "here. Nothing was changed.")
NOT_INSTALLED = ("Reverse Mentoring isn't installed in this workspace (or it was removed), so it can't help "
                 "here yet. A workspace admin can add it again. Nothing was changed.")
DATABASE_TROUBLE = ("Sorry, I can't reach my records just now, so nothing has changed. "
                    "Please try again in a minute.")


def esc(text: str | None) -> str:
    """What a person typed (or Slack says about them, like a name), made safe to show in mrkdwn:
    `&`, `<` and `>` escaped as Slack asks, so `<!channel>`, `<@U…>` and `<url|label>` stay text.
    Every builder passes people's words through this before putting them in mrkdwn (plain_text
    fields, input values and option labels are shown as they are and need no escaping)."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: str, *, emoji: bool = True) -> dict:
    return {"type": "plain_text", "text": text, "emoji": emoji}


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text[:150])}


def section(text: str, *, block_id: str | None = None, accessory: dict | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(truncate(text, 3000))}
    if block_id:
        block["block_id"] = block_id
    if accessory:
        block["accessory"] = accessory
    return block


def fields(*items: str) -> Block:
    return {"type": "section", "fields": [mrkdwn(truncate(i, 2000)) for i in items[:10]]}


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(truncate(text, 3000))]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, *, value: str | None = None, style: str | None = None,
           confirm: dict | None = None) -> dict:
    el: dict = {"type": "button", "text": plain(text[:75]), "action_id": action_id}
    if value is not None:
        el["value"] = value[:2000]
    if style:
        el["style"] = style
    if confirm:
        el["confirm"] = confirm
    return el


def actions(*elements: dict, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def option(text: str, value: str) -> dict:
    return {"text": plain(text[:75]), "value": value[:150]}


def input_block(block_id: str, label: str, element: dict, *, optional: bool = False,
                hint: str | None = None) -> Block:
    element = {**element, "action_id": element.get("action_id", block_id)}
    block: Block = {"type": "input", "block_id": block_id, "label": plain(label[:2000]),
                    "element": element, "optional": optional}
    if hint:
        block["hint"] = plain(hint[:2000])
    return block


def text_input(max_length: int, *, initial: str = "", multiline: bool = False,
               placeholder: str | None = None) -> dict:
    """A plain_text_input element, prefilled when `initial` is given."""
    el: dict = {"type": "plain_text_input", "max_length": max_length, "multiline": multiline}
    if initial:
        el["initial_value"] = initial[:max_length]
    if placeholder:
        el["placeholder"] = plain(placeholder)
    return el


def modal(callback_id: str, title: str, blocks: list[Block], *, submit: str | None = None,
          close: str = "Cancel", private_metadata: str = "") -> dict:
    view: dict = {"type": "modal", "callback_id": callback_id, "title": plain(title[:24]),
                  "close": plain(close[:24]), "blocks": blocks}
    if submit:
        view["submit"] = plain(submit[:24])
    if private_metadata:
        view["private_metadata"] = private_metadata
    return view


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def count(n: int, one: str, many: str | None = None) -> str:
    """"1 pair", "2 pairs", "0 pairs"; `many` for irregular plurals ("1 person", "2 people")."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


# What stands in for the Slack ID of someone whose data was deleted (storage/repositories/erasure.py).
FORGOTTEN_PREFIX = "h:"


def user(user_id: str) -> str:
    """A mention; someone whose data was deleted is a one-way code now, and is named as such."""
    if user_id.startswith(FORGOTTEN_PREFIX):
        return "someone whose data was deleted"
    return f"<@{user_id}>"


def people(user_ids) -> str:
    """Mentions joined the way people write them: "A", "A and B", "A, B and C"."""
    names = [user(u) for u in user_ids]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def fmt_day(d) -> str:
    """Monday 2 March."""
    return f"{d:%A} {d.day} {d:%B}"
