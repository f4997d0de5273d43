"""Every refusal code a service raises (problem+json `reason` or `code`) has a sentence in the portal, in
Finnish and Swedish, saying what happened and what to do: the portal never shows a person a raw code, the
service's English or only "the service did not accept the request".

The codes are read from the services' source (their syntax tree, not a hand-kept list), wherever a problem
gets one:
- `conflict(..., code="x")`, `not_yet_known(..., reason="x")`, any call's `code=`/`reason=` keyword with a
  snake_case text (the registry's `LoginResult(..., reason="email_not_confirmed")`), both texts of a
  `code="a" if ... else "b"`;
- a `{"reason": ...}` or `{"code": ...}` member given to `ProblemError(...)`, a text or a named constant;
- `refused("x", ...)` (the applications service's signature refusals) and the members of the vouchers
  service's `Refusal` enum (its booking refusals, `refused(Refusal.X)`);
- `DomainError("x", ...)` (the events service's rules, sent on as the problem's `code`) and `LockCheck(X, ...)`
  (settlement's lock refusal, sent as its `reason`).

A field refused without a code (`invalid(...)`, `FieldError(...)`) reaches a person as "Tarkista arvo (<the
service's English>)" unless the portal recognises its English or its field: each has a code, or is listed in
UNCODED_FIELD_REFUSALS with why a person never reads it that way.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from seteli_portal.catalog import CATALOG
from seteli_portal.web import FIELD_REASONS, REASONS, refusal_key

ROOT = Path(__file__).resolve().parents[2]
SNAKE = re.compile(r"^[a-z]+(?:_[a-z]+)+$")

# Codes the portal can never receive as a problem's code; each says why.
NEVER_RECEIVED = {
    "invalid_credit": "events: credit_for's guard, caught and sent as invalid(event_id) without a code "
                      "(service/approvals.py)",
    "invalid_price": "events: price lists reach events only once applications approved them (non-negative "
                     "prices), never from a form",
    "invalid_period": "events: a grant period vouchers' schema already limited to week/month/balance/validity",
    "not_splittable": "events: an internal invariant of split_by_month (only day segments are split)",
    "interruption_open": "events: an interruption is valued only once it has a return day (a draft is not)",
    "idempotency_key_reused": "settlement: the portal sends no Idempotency-Key (API clients and the scheduler do)",
}


def _constants(trees: list[ast.Module]) -> dict[str, str]:
    """NAME = "text" assignments of one service, to resolve `domain.RUN_IN_PROGRESS` and the like."""
    found: dict[str, str] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                    and isinstance(node.value.value, str):
                found.update({t.id: node.value.value for t in node.targets if isinstance(t, ast.Name)})
    return found


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def raised_codes() -> dict[str, set[str]]:
    """code -> the files (service/path:line) that raise it, for every service but the portal."""
    codes: dict[str, set[str]] = {}
    for service in sorted(p for p in (ROOT / "services").iterdir() if p.is_dir() and p.name != "portal"):
        files = [p for p in (service / "src").rglob("*.py") if "migrations" not in p.parts]
        trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in files}
        names = _constants(list(trees.values()))

        def text(node: ast.expr, names: dict[str, str] = names) -> str | None:
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                return node.value
            if isinstance(node, ast.Name | ast.Attribute):
                return names.get(node.id if isinstance(node, ast.Name) else node.attr)
            return None

        for path, tree in trees.items():
            for node in ast.walk(tree):
                found: list[str | None] = []
                if isinstance(node, ast.Call):
                    func = _name(node.func)
                    for keyword in (k for k in node.keywords if k.arg in ("code", "reason")):
                        given = keyword.value  # `code="a" if ... else "b"`: both
                        found += [text(given.body), text(given.orelse)] if isinstance(given, ast.IfExp) \
                            else [text(given)]
                    if func in ("DomainError", "refused", "LockCheck") and node.args:
                        found.append(text(node.args[0]))
                    if func == "ProblemError":
                        for arg in [*node.args, *(k.value for k in node.keywords)]:
                            if isinstance(arg, ast.Dict):
                                found += [text(v) for k, v in zip(arg.keys, arg.values, strict=True)
                                          if k is not None and text(k) in ("reason", "code")]
                elif isinstance(node, ast.ClassDef) and node.name == "Refusal":
                    found += [text(s.value) for s in node.body if isinstance(s, ast.Assign)]
                where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
                for code in found:
                    if code and SNAKE.match(code):
                        codes.setdefault(code, set()).add(where)
    return codes


def test_the_collector_finds_the_refusals_it_is_meant_to() -> None:
    codes = raised_codes()
    # one of each way a code is given, so a change in how services raise them fails here, not silently
    for code in ("run_in_progress", "month_not_ended", "content_ended", "interruption_settled", "already_credited",
                 "voucher_closed", "care_not_known_yet", "signature_expired", "no_price", "email_not_confirmed",
                 "not_a_client"):
        assert code in codes, f"{code} is no longer found: fix raised_codes()"


def test_every_refusal_a_service_raises_has_a_finnish_and_a_swedish_sentence_in_the_portal() -> None:
    codes = raised_codes()
    missing = {code: sorted(where) for code, where in sorted(codes.items())
               if code not in NEVER_RECEIVED and refusal_key(code) is None}
    assert missing == {}, ("give these codes a text in the portal's fi and sv messages.po (msgid "
                           f"'problem.<code>'), or explain in NEVER_RECEIVED why the portal never gets them: {missing}")
    for code in codes.keys() - NEVER_RECEIVED.keys():
        fi, sv = CATALOG[str(refusal_key(code))]
        assert fi.strip() and sv.strip() and fi != sv, code


def test_the_allow_list_names_only_codes_that_are_still_raised() -> None:
    stale = NEVER_RECEIVED.keys() - raised_codes().keys()
    assert stale == set(), f"no longer raised, remove from NEVER_RECEIVED: {sorted(stale)}"


def test_every_conflict_names_its_rule_by_a_code() -> None:
    """A 409 conflict without a code reaches a person only as "the data changed meanwhile": each says which
    rule refused (`conflict(..., code=...)` or `reason=`), so the portal can say what happened and what to do."""
    bare = []
    for path in (ROOT / "services").glob("*/src/**/*.py"):
        if "/portal/" in str(path) or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _name(node.func) == "conflict" \
                    and not any(k.arg in ("code", "reason") for k in node.keywords):
                bare.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert bare == [], f"give these conflicts a code (and the portal a text for it): {sorted(bare)}"


# --- a field refused without a code: the portal must still say it in its own words -----------------------

# Field refusals without a code whose reason the portal's English patterns (web.REASONS, FIELD_REASONS) do not
# recognise, each with why a person never reads "Tarkista arvo (<the service's English>)" for it. Keyed by the
# file and the reason as written (a text, an f-string's text with {} for its values, or the expression).
UNCODED_FIELD_REFUSALS = {
    ("services/applications/src/seteli_applications/price_lists.py",
     "only the provider writes its price list information"): "the route admits only the provider's staff",
    ("services/applications/src/seteli_applications/price_lists.py", "str(exc)"):
        "a producer part's own check; the portal offers only the parts it allows",
    ("services/events/src/seteli_events/api_decisions.py", "str(exc)"): "a month query of API clients",
    ("services/events/src/seteli_events/service/approvals.py", "exc.message"):
        "credit_for's guard (NEVER_RECEIVED: invalid_credit)",
    ("services/registry/src/seteli_registry/attachments.py", "no such {} of this company"):
        "the attachment form says these itself (routes_provider_company._file_errors)",
    ("services/registry/src/seteli_registry/attachments.py", "the file is larger than the limit of {} KiB"):
        "the attachment form says these itself (routes_provider_company._file_errors)",
    ("services/registry/src/seteli_registry/attachments.py", "the file is empty"):
        "the attachment form says these itself (routes_provider_company._file_errors)",
    ("services/registry/src/seteli_registry/attachments.py",
     "only PDF files and images (PNG, JPEG, GIF, WebP) are accepted"):
        "the attachment form says these itself (routes_provider_company._file_errors)",
    ("services/registry/src/seteli_registry/attachments.py", "unknown attachment type"):
        "the attachment form says these itself (routes_provider_company._file_errors)",
    ("services/registry/src/seteli_registry/fake_identity_page.py", "not a redirect URI of this registry"):
        "the development identity page's own check, not the portal's",
    ("services/registry/src/seteli_registry/service.py", "password {}"):
        "the password rules' reasons, which web.REASONS recognises ('password must be at least', ...)",
    ("services/registry/src/seteli_registry/service.py", "exc.reason"):
        "a validator's reason (identity code, IBAN, BIC, email, phone), which web.REASONS recognises",
    ("services/registry/src/seteli_registry/tenant_settings.py", "exc.reason"):
        "a validator's reason (IBAN, BIC, business id, phone), which web.REASONS recognises",
    ("services/vouchers/src/seteli_vouchers/bookings.py", "reason"):
        "a producer part's own check; the portal offers only the parts it allows",
    ("services/vouchers/src/seteli_vouchers/idempotency.py", "already used for a different request"):
        "the portal sends no Idempotency-Key (API clients do)",
}


def _text_of(node: ast.expr | None) -> str:
    """A reason or a field as written: a text, an f-string's text with {} for its values, else the expression."""
    if node is None:
        return ""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return ast.unparse(node)


def _argument(call: ast.Call, index: int, name: str) -> ast.expr | None:
    return call.args[index] if len(call.args) > index else next(
        (k.value for k in call.keywords if k.arg == name), None)


def _problem_says_it(call: ast.Call) -> bool:
    """A ProblemError(...) with its own code or reason (an `extra` member) or a type of its own (not
    invalid-input), which the portal says by that: its field errors need no code of their own."""
    members = [v for v in [*call.args, *(k.value for k in call.keywords)] if isinstance(v, ast.Dict)]
    if any(isinstance(k, ast.Constant) and k.value in ("code", "reason") for d in members for k in d.keys):
        return True
    return any(isinstance(v, ast.Constant) and isinstance(v.value, str) and v.value.startswith("https://")
               and not v.value.endswith("/invalid-input") for v in call.args)


def uncoded_field_refusals() -> dict[tuple[str, str], list[str]]:
    """(file, reason) -> where, for every `invalid(...)` and `FieldError(...)` of the services without a code."""
    found: dict[tuple[str, str], list[str]] = {}
    for path in sorted((ROOT / "services").glob("*/src/**/*.py")):
        if "/portal/" in str(path) or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        said = {id(inner) for node in ast.walk(tree) if isinstance(node, ast.Call)
                and _name(node.func) == "ProblemError" and _problem_says_it(node) for inner in ast.walk(node)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _name(node.func) not in ("invalid", "FieldError") or id(node) in said:
                continue
            code = _argument(node, 2, "code") if _name(node.func) == "FieldError" else _argument(node, 99, "code")
            if code is not None and not (isinstance(code, ast.Constant) and code.value is None):
                continue
            found.setdefault((str(path.relative_to(ROOT)), _text_of(_argument(node, 1, "reason"))), []).append(
                f"{_text_of(_argument(node, 0, 'field_name') or _argument(node, 0, 'field'))} "
                f"(line {node.lineno})")
    return found


def _portal_recognises(field: str, reason: str) -> bool:
    """The portal's own words for a reason without a code (Page.localize): by its English, or by its field."""
    return any(pattern in reason.lower() for pattern, _ in REASONS) or \
        field.split(" (line")[0].rsplit(".", 1)[-1] in FIELD_REASONS


def test_every_field_refusal_names_its_rule_or_the_portal_says_it_otherwise() -> None:
    """A field refused without a code, whose English the portal does not recognise, reached a person as
    "Tarkista arvo (<the service's English>)": give it a code (`invalid(..., code=...)`,
    `FieldError(..., code=...)`) and the portal a text for it, or say here why a person never sees it."""
    bare = {f"{path}: {reason!r} at {fields}" for (path, reason), fields in uncoded_field_refusals().items()
            if (path, reason) not in UNCODED_FIELD_REFUSALS
            and not all(_portal_recognises(field, reason) for field in fields)}
    assert bare == set(), f"give these field refusals a code (and the portal a text for it): {sorted(bare)}"


def test_the_uncoded_field_refusals_listed_are_still_raised() -> None:
    stale = UNCODED_FIELD_REFUSALS.keys() - uncoded_field_refusals().keys()
    assert stale == set(), f"no longer raised without a code, remove from UNCODED_FIELD_REFUSALS: {sorted(stale)}"
