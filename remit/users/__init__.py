"""People who sign in to the web UI: users of one business, their roles, and their web sessions."""
