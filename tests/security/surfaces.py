"""How each API surface is spoken to with one key, and how each says "not found" and "who are you?".

``Speaker`` sends a request the way a client of that surface would: the
native and Keepup/Refrens Bearer header, HisabKitab's ``ApiKey`` header,
Komet's ``authenticationToken`` (in the body for POST, the query for GET) and
Zoho's ``Zoho-oauthtoken`` with the business as ``organization_id``.

The ``expect_*`` checks state each surface's own answers (README and
tests/vendors/ show them); each raises AssertionError with the response.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from httpx import Client, Response

from tests.security.books import Books

PROBLEM = "application/problem+json"
KEEPUP, REFRENS, HISABKITAB, KOMET = "/keepup/v2.0", "/refrens", "/hisabkitab/third-party", "/komet/api"
ZOHO_PREFIXES = ("/zoho/invoice/v3", "/zoho/books/v3")

Check = Callable[[Response], None]


@dataclass(frozen=True)
class Probe:
    """One request by business B (``who``) naming business A's objects (``a``: A's books, or ids naming nothing).

    The request is otherwise valid, so without scoping it would reach, and change, A's object;
    ``expect`` states the surface's not-found answer.
    """

    route: tuple[str, str]  # (method, path) exactly as the app's route table lists it
    send: Send
    expect: Check


@dataclass
class Speaker:
    """One business's key on one client, speaking every surface."""

    client: Client  # a TestClient, or an httpx client on a real server
    books: Books
    secret: str

    def native(self, method: str, path: str, **kw: Any) -> Response:
        return self._send(method, path, {"Authorization": f"Bearer {self.secret}"}, kw)

    def keepup(self, method: str, path: str, **kw: Any) -> Response:
        return self._send(method, KEEPUP + path, {"Authorization": f"Bearer {self.secret}"}, kw)

    def refrens(self, method: str, path: str, **kw: Any) -> Response:
        return self._send(method, REFRENS + path, {"Authorization": f"Bearer {self.secret}"}, kw)

    def hisabkitab(self, method: str, path: str, **kw: Any) -> Response:
        return self._send(method, HISABKITAB + path, {"ApiKey": self.secret}, kw)

    def komet(self, name: str, body: dict[str, Any] | None = None, **params: Any) -> Response:
        """GET with the token in the query when there is no body, else POST with it in the body."""
        if body is None:
            return self.client.get(f"{KOMET}/{name}", params={"authenticationToken": self.secret, **params})
        return self.client.post(f"{KOMET}/{name}", json={"authenticationToken": self.secret, **body})

    def zoho(self, method: str, prefix: str, path: str, *, organization: object = None, **kw: Any) -> Response:
        params = {"organization_id": self.books.business if organization is None else organization,
                  **kw.pop("params", {})}
        return self._send(method, prefix + path, {"Authorization": f"Zoho-oauthtoken {self.secret}"},
                          {**kw, "params": params})

    def _send(self, method: str, url: str, auth: dict[str, str], kw: dict[str, Any]) -> Response:
        headers = {**auth, **kw.pop("headers", {})}
        return self.client.request(method, url, headers=headers, **kw)


Send = Callable[[Speaker, Books], Response]


def pick(which: str, who: Speaker, a: Books) -> Books:
    """Whose object a probe's parent is: ``"a"`` (A's, so both are foreign) or ``"who"`` (B's own parent with
    A's child under it)."""
    return a if which == "a" else who.books


# -- each surface's answers ------------------------------------------------------------------------

def _json(response: Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise AssertionError(f"not JSON: {response.status_code} {response.text[:300]}") from None


def expect_problem(status: int, code: str, *, field: str | None = None) -> Check:
    """RFC 9457 problem+json with this status and code (and, if given, naming this member or parameter)."""
    def check(response: Response) -> None:
        body = _json(response)
        assert response.status_code == status, (status, response.status_code, body)
        assert response.headers["content-type"] == PROBLEM, response.headers
        assert body["status"] == status and body["code"] == code, body
        assert body["title"] and body["detail"] and body["type"].endswith(code), body
        if field is not None:
            named = [e.get("pointer") or e.get("parameter") for e in body.get("errors", [])]
            assert field in named, (field, body)
    return check


def expect_native_page(response: Response) -> None:
    """An empty list page: a filter naming another business's object matches nothing."""
    body = _json(response)
    assert response.status_code == 200, body
    assert body["object"] == "list" and body["data"] == [] and body["has_more"] is False, body


def expect_keepup(status: int, error: str | None = None) -> Check:
    def check(response: Response) -> None:
        body = _json(response)
        assert response.status_code == status and set(body) == {"status", "error"} and body["status"] == status, body
        assert error is None or body["error"] == error, body
    return check


def expect_feathers(status: int, name: str) -> Check:
    """FeathersJS's error shape: ``{name, message, code, className, data, errors}``."""
    def check(response: Response) -> None:
        body = _json(response)
        assert response.status_code == status, body
        assert set(body) == {"name", "message", "code", "className", "data", "errors"}, body
        assert body["name"] == name and body["code"] == status and body["message"], body
    return check


def expect_refrens_page(response: Response) -> None:
    body = _json(response)
    assert response.status_code == 200 and body["total"] == 0 and body["data"] == [], body


def expect_hisabkitab(status: int, *, field: str | None = None) -> Check:
    """``{success: false, message, errors}``; a missing object is "... not found.", a missing id in the
    body is Laravel's "The selected <field> is invalid."."""
    def check(response: Response) -> None:
        body = _json(response)
        assert response.status_code == status, body
        assert set(body) == {"success", "message", "errors"} and body["success"] is False, body
        if status == 404:
            assert body["message"].endswith("not found."), body
        if field is not None:
            assert body["errors"] == {field: [f"The selected {field} is invalid."]}, body
    return check


def expect_komet_failure(*words: str) -> Check:
    """Komet answers every failure with HTTP 200 and ``status: "0"``."""
    def check(response: Response) -> None:
        body = _json(response)
        assert response.status_code == 200 and body["status"] == "0" and set(body) == {"status", "message"}, body
        assert all(word in body["message"] for word in words), (words, body)
    return check


def expect_komet_list(key: str) -> Check:
    def check(response: Response) -> None:
        body = _json(response)
        assert response.status_code == 200 and body["status"] == "1" and body[key] == [], body
    return check


def expect_zoho(status: int, *codes: int) -> Check:
    """Zoho's ``{code, message}``; 1002 "does not exist", 3004 an unknown customer, 4 an invalid value."""
    def check(response: Response) -> None:
        body = _json(response)
        assert response.status_code == status and set(body) == {"code", "message"}, body
        assert body["code"] in codes and body["message"], body
    return check


def expect_zoho_list(key: str) -> Check:
    def check(response: Response) -> None:
        body = _json(response)
        assert response.status_code == 200 and body["code"] == 0 and body[key] == [], body
    return check


NATIVE_MISSING = expect_problem(404, "not_found")
KEEPUP_MISSING = expect_keepup(404, "Sale not found")
REFRENS_MISSING = expect_feathers(404, "NotFound")
HISABKITAB_MISSING = expect_hisabkitab(404)
ZOHO_MISSING = expect_zoho(404, 1002, 3004)
