"""Installing the app in many workspaces over OAuth v2, through Bolt's install flow.

HTTP mode serves `GET /slack/install` (a page that explains the app, with the link to Slack's
consent screen and a state cookie) and `GET /slack/oauth_redirect` (Slack sends the installer
back with a code: exchanged with `oauth.v2.access`, the installation saved, a page with the next
steps). The stores are slack_sdk's SQLAlchemy ones on the app's own database
(bot/slack/installations.py).

- **Which token**: `WorkspaceAuthorize` gives Bolt, for each request, the bot token of the
  workspace it comes from, from the same lookup as every other client (bot/slack/clients.py):
  no `auth.test` per request, the token rotated when it nears expiry. A signed request from a
  workspace with no installation is refused before any listener runs, with `NOT_INSTALLED`
  (bot/blocks/common.py), and changes nothing.
- **Enterprise Grid**: a workspace of an organization installs like any other. An org-wide
  install (`is_enterprise_install`) is refused: the program, its admin channel and its data are
  per workspace. The token Slack issued for it is revoked at once and the installer is asked
  to install workspace by workspace; requests from an org-wide install are refused like those
  of a workspace that isn't installed. (The manifest keeps `org_deploy_enabled: false`, so
  Slack doesn't offer org-wide installs in the first place.)
- **Installing again** after an uninstall, within the grace period, cancels the deletion of the
  workspace's data (bot/services/workspaces.py).
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urljoin

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.error import BoltError
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks import install as pages
from bot.deps import Deps
from bot.services import workspaces
from bot.slack.clients import SlackClients
from bot.slack.installations import OAuthStateStore

log = logging.getLogger(__name__)

INSTALL_PATH = pages.INSTALL_PATH
REDIRECT_PATH = "/slack/oauth_redirect"
ORG_WIDE = "org_wide_install"

# The bot scopes the install asks for: exactly manifest.yml's (tests/unit/test_manifest.py).
BOT_SCOPES = ("commands", "chat:write", "users:read", "mpim:write", "im:write", "mpim:history", "im:history",
              "channels:history", "groups:history", "channels:read", "groups:read",
              "files:write")


class OrgWideInstallRefused(BoltError):
    """An install for a whole Enterprise Grid organization: not kept (see the module docstring)."""


class WorkspaceAuthorize(Authorize):
    """Bolt's `authorize`: the installation of the workspace a request comes from, or None."""

    def __init__(self, clients: SlackClients):
        super().__init__()
        self.clients = clients

    def __call__(self, *, context: BoltContext, enterprise_id, team_id, user_id, **_) -> AuthorizeResult | None:
        if context.is_enterprise_install or not team_id:
            log.info("Refused a request from an org-wide install (%s): the app is installed workspace by "
                     "workspace", enterprise_id)
            return None
        bot = self.clients.bot(team_id)
        if bot is None:
            log.info("Refused a request from workspace %s: the app isn't installed there", team_id)
            return None
        return AuthorizeResult(enterprise_id=bot.enterprise_id, team_id=bot.team_id, bot_id=bot.bot_id,
                               bot_user_id=bot.bot_user_id, bot_token=bot.bot_token, bot_scopes=bot.bot_scopes,
                               user_id=user_id)


class InstallFlow(OAuthFlow):
    """Bolt's OAuth flow, with the app's pages, the org-wide refusal, and the workspace recorded
    as installed (cancelling a pending deletion) once its installation is saved."""

    def __init__(self, deps: Deps, *, client: WebClient, settings: OAuthSettings):
        super().__init__(client=client, logger=logging.getLogger("bolt"), settings=settings)
        self.deps = deps

    def build_install_page_html(self, url: str, request: BoltRequest) -> str:
        return pages.install_page(url)

    def store_installation(self, request: BoltRequest, installation: Installation) -> None:
        if installation.is_enterprise_install or not installation.team_id:
            self._revoke(installation)
            log.warning("Refused an org-wide install for Enterprise Grid organization %s (%s): the app is "
                        "installed one workspace at a time; the token Slack issued was revoked",
                        installation.enterprise_id, installation.enterprise_name)
            raise OrgWideInstallRefused(ORG_WIDE)
        try:
            super().store_installation(request, installation)
            self.deps.slack.installed(installation.team_id)
            outcome = workspaces.installed(self.deps, team_id=installation.team_id,
                                           enterprise_id=installation.enterprise_id)
        except (SQLAlchemyError, OSError) as e:  # the database: the page says so, the install can be retried
            log.error("Couldn't save workspace %s's install: %s", installation.team_id, e)
            raise BoltError("storage_error") from e
        request.context["welcome_back"] = outcome.deletion_cancelled is not None

    def _revoke(self, installation: Installation) -> None:
        if not installation.bot_token:
            return
        try:
            self.client.auth_revoke(token=installation.bot_token)
        except (SlackApiError, OSError) as e:
            log.warning("Couldn't revoke the org-wide install's token (%s); remove the app from the "
                        "organization in Slack's admin pages", e)


def _success(api_url: str):
    def on_success(args: SuccessArgs) -> BoltResponse:
        i = args.installation
        app_url = (urljoin(api_url, f"../app_redirect?{urlencode({'app': i.app_id, 'team': i.team_id})}")
                   if i.app_id and i.team_id else None)
        return BoltResponse(status=200, body=pages.installed_page(
            team_name=i.team_name, app_url=app_url, welcome_back=bool(args.request.context.get("welcome_back"))),
            headers={"Content-Type": "text/html; charset=utf-8",
                     "Set-Cookie": args.settings.state_utils.build_set_cookie_for_deletion()})
    return on_success


def _on_failure(args: FailureArgs) -> BoltResponse:
    reason = ORG_WIDE if isinstance(args.error, OrgWideInstallRefused) else args.reason
    if reason != ORG_WIDE:
        log.warning("An install didn't complete: %s%s", args.reason, f" ({args.error})" if args.error else "")
    return BoltResponse(status=args.suggested_status_code, body=pages.failed_page(reason),
                        headers={"Content-Type": "text/html; charset=utf-8",
                                 "Set-Cookie": args.settings.state_utils.build_set_cookie_for_deletion()})


def authorization_url(api_url: str) -> str:
    """Slack's consent screen, next to the Web API: https://slack.com/oauth/v2/authorize for
    https://slack.com/api/ (slack-gov.com for GovSlack)."""
    return urljoin(api_url, "../oauth/v2/authorize")


def install_flow(deps: Deps) -> InstallFlow:
    s = deps.settings
    if not (s.oauth and deps.slack.tokens is not None):
        raise ValueError("install_flow needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
    settings = OAuthSettings(
        client_id=s.client_id,
        client_secret=s.client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=s.redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        callback_options=CallbackOptions(success=_success(s.slack_api_url), failure=_on_failure),
        authorization_url=authorization_url(s.slack_api_url),
        installation_store=deps.slack.tokens.store,
        state_store=OAuthStateStore(deps.db),
    )
    return InstallFlow(deps, client=deps.slack.listener(), settings=settings)
