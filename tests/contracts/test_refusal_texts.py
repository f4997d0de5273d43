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
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from seteli_portal.catalog import CATALOG
from seteli_portal.web import refusal_key

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
