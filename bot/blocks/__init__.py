"""Pure Block Kit builders: data in, dicts out. No Slack client, no database."""
