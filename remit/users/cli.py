"""``remit user create``: a person who signs in to the web UI at /app, with a role."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from remit.cli_common import BusinessOption, JsonOption, business_named, cli_errors, out, print_json, write_once
from remit.users.models import ROLES
from remit.users.service import check_role, create_user

user_app = typer.Typer(help="Create people who sign in to the web UI (/app).", no_args_is_help=True)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        # One line, so `echo secret | remit user create ...` works; only the line break is not the password.
        return sys.stdin.readline().rstrip("\r\n")
    # On stderr, so --json output stays the JSON alone.
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)


@user_app.command("create")
@cli_errors
def user_create(
    business: BusinessOption,
    email: Annotated[str, typer.Option(help="The email the person signs in with (stored lower-case).")],
    role: Annotated[str, typer.Option(help=f"What they may do: {', '.join(ROLES)} (owner also changes settings "
                                           "and API keys; accountant records, voids and approves; viewer only "
                                           "reads).")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first "
                                                 "line of standard input instead of asking for it.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Create a user of a business; the password is asked for twice (hidden) unless --password-stdin."""
    check_role(role)  # before the password is asked for, not after
    password = _password(password_stdin)

    def work(session: Session) -> tuple[int, int, str, str]:
        found = business_named(session, business)
        user = create_user(session, business_id=found.id, email=email, password=password, role=role)
        return user.id, found.id, found.url_key, user.email

    user_id, business_id, url_key, address = write_once(work)
    if as_json:
        print_json({"user_id": user_id, "business_id": business_id, "url_key": url_key, "email": address,
                    "role": role})
        return
    out.print(f"Created {role} [bold]{address}[/bold] (user id {user_id}) for business {url_key}. "
              "They sign in at /app.", highlight=False, soft_wrap=True)
