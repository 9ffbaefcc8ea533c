"""Telling people: email (SMTP) and SMS channels, and the messages sent through them."""
