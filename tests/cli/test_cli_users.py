"""``remit user create``: the user it makes can sign in, and each refusal is one line with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from remit import cli
from remit.demo import DEMO_EMAIL, DEMO_PASSWORD
from remit.users.models import User
from remit.users.passwords import password_matches
from tests.cli.conftest import invoke, runner
from tests.cli.test_cli import assert_clean_error

PASSWORD = "correct-horse-battery"


def create(*args: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return runner.invoke(cli.app, ["user", "create", *args, "--password-stdin"], input=password + "\n")


def stored(engine: Engine, email: str) -> User:
    with Session(engine) as session:
        return session.execute(select(User).where(User.email == email)).scalar_one()


def make_business(url_key: str = "acme") -> int:
    result = invoke("business", "create", "--name", "Acme", "--url-key", url_key, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["business_id"]


def test_a_created_user_has_a_lower_case_email_and_only_a_hash_of_the_password(cli_engine: Engine) -> None:
    business_id = make_business()
    result = create("--business", "acme", "--email", "  Ann@Example.COM ", "--role", "accountant", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"user_id": 1, "business_id": business_id, "url_key": "acme",
                                         "email": "ann@example.com", "role": "accountant"}
    user = stored(cli_engine, "ann@example.com")
    assert user.business_id == business_id and user.role == "accountant" and user.active
    assert PASSWORD not in user.password_hash and user.password_hash.startswith("$argon2id$")
    assert password_matches(user.password_hash, PASSWORD) and not password_matches(user.password_hash, "other")


def test_the_password_prompt_is_hidden_confirmed_and_kept_off_stdout(cli_engine: Engine) -> None:
    make_business()
    mismatch_then_match = f"{PASSWORD}\nsomething-else\n{PASSWORD}\n{PASSWORD}\n"
    result = runner.invoke(cli.app, ["user", "create", "--business", "acme", "--email", "v@example.com",
                                     "--role", "viewer", "--json"], input=mismatch_then_match)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["email"] == "v@example.com"  # the prompts went to stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert "do not match" in result.stderr
    assert password_matches(stored(cli_engine, "v@example.com").password_hash, PASSWORD)


def test_refusals_are_one_line_with_exit_code_2_and_create_nothing(cli_engine: Engine) -> None:
    make_business()
    assert create("--business", "acme", "--email", "ann@example.com", "--role", "owner").exit_code == 0
    assert_clean_error(create("--business", "nobody", "--email", "b@example.com", "--role", "owner"),
                       "no business has url_key 'nobody'")
    assert_clean_error(create("--business", "acme", "--email", "b@example.com", "--role", "boss"),
                       "role must be one of viewer, accountant, owner")
    assert_clean_error(create("--business", "acme", "--email", "ANN@example.com", "--role", "viewer"),
                       "already exists")
    assert_clean_error(create("--business", "acme", "--email", "b@example.com", "--role", "viewer",
                              password="too-short"), "at least 10 characters")
    assert_clean_error(create("--business", "acme", "--email", "not-an-email", "--role", "viewer"),
                       "is not an email address")
    with Session(cli_engine) as session:
        assert session.execute(select(func.count(User.id))).scalar_one() == 1


def test_the_same_email_may_be_a_user_of_two_businesses(cli_engine: Engine) -> None:
    make_business("acme")
    make_business("bravo")
    assert create("--business", "acme", "--email", "ann@example.com", "--role", "owner").exit_code == 0
    assert create("--business", "bravo", "--email", "ann@example.com", "--role", "viewer").exit_code == 0


def test_the_demo_has_an_owner_who_signs_in_with_the_printed_password(cli_engine: Engine) -> None:
    made = json.loads(invoke("demo", "--json").stdout)
    user = stored(cli_engine, made["login_email"])
    assert user.business_id == made["business_id"] and user.role == "owner"
    assert password_matches(user.password_hash, made["login_password"])
    friendly = invoke("demo")
    assert "/app" in friendly.stdout and made["login_email"] in friendly.stdout
    assert made["login_password"] in friendly.stdout


def test_the_readme_gives_the_demo_login_the_demo_makes() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"`{DEMO_EMAIL}`, password `{DEMO_PASSWORD}`" in readme
