"""The Slack edge: the Bolt app factory, Web API clients, admin checks, identifiers and form parsing."""
