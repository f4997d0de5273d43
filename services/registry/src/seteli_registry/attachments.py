"""Attachments at company, site and subcontractor level: typed, with validity dates, stored through
the blob store. Only PDFs and images (by their magic bytes) under the size limit are accepted."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from seteli_common.db import after_commit
from seteli_common.errors import FieldError, invalid_many, not_found

from .adapters.blobstore import sniff_content_type
from .domain import ATTACHMENT_TYPES
from .events import AttachmentAdded, AttachmentExpired, AttachmentRemoved
from .repository import attachments as attachment_queries
from .repository import providers as provider_queries
from .service import RegistryContext


def _payload(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("provider_id", "level", "owner_id", "type", "valid_from", "valid_until")} | {
        "attachment_id": row["id"]}


async def _owner(ctx: RegistryContext, provider_id: str, level: str, owner_id: str | None) -> str:
    if level == "company":
        return provider_id
    of_provider = provider_queries.site_of_provider if level == "site" else provider_queries.subcontractor_of_provider
    owner = await of_provider(ctx.session, provider_id, owner_id) if owner_id else None
    if owner is None or owner.get("removed_at") is not None:  # a removed subcontractor gets no new ones
        raise invalid_many([FieldError("owner_id", f"no such {level} of this company")])
    return str(owner["id"])


def _check_file(ctx: RegistryContext, data: bytes, type_: str, valid_from: date | None,
                valid_until: date | None) -> str:
    errors: list[FieldError] = []
    limit = ctx.settings.attachment_max_bytes
    if len(data) > limit:
        errors.append(FieldError("file", f"the file is larger than the limit of {limit // 1024} KiB"))
    if len(data) == 0:
        errors.append(FieldError("file", "the file is empty"))
    content_type = sniff_content_type(data)
    if data and content_type is None:
        errors.append(FieldError("file", "only PDF files and images (PNG, JPEG, GIF, WebP) are accepted"))
    if type_ not in ATTACHMENT_TYPES:
        errors.append(FieldError("type", "unknown attachment type"))
    if valid_from and valid_until and valid_until < valid_from:
        errors.append(FieldError("valid_until", "must not be before valid_from"))
    if errors:
        raise invalid_many(errors)
    assert content_type is not None
    return content_type


async def add(ctx: RegistryContext, provider_id: str, *, level: str, owner_id: str | None, type_: str,
              filename: str, data: bytes, valid_from: date | None, valid_until: date | None) -> dict[str, Any]:
    if await provider_queries.get_provider(ctx.session, provider_id) is None:
        raise not_found("Provider")
    content_type = _check_file(ctx, data, type_, valid_from, valid_until)
    owner = await _owner(ctx, provider_id, level, owner_id)
    attachment_id = str(uuid.uuid4())
    key = f"{provider_id}/{attachment_id}"
    row = {"id": attachment_id, "provider_id": provider_id, "level": level, "owner_id": owner, "type": type_,
           "filename": filename[:200], "content_type": content_type, "size": len(data), "blob_key": key,
           "valid_from": valid_from, "valid_until": valid_until, "created_at": ctx.clock.now()}
    await attachment_queries.insert_attachment(ctx.session, row)
    # The blob is written last: if the transaction fails after this, an orphan file is harmless.
    await ctx.ports.blobs.put(key, data)
    await ctx.outbox.add(ctx.session, AttachmentAdded(**_payload(row)), tenant_id=None)
    return row


async def get(ctx: RegistryContext, provider_id: str, attachment_id: str) -> dict[str, Any]:
    row = await attachment_queries.attachment_of_provider(ctx.session, provider_id, attachment_id)
    if row is None:
        raise not_found("Attachment")
    return row


async def replace(ctx: RegistryContext, provider_id: str, attachment_id: str, *, filename: str, data: bytes,
                  valid_from: date | None, valid_until: date | None) -> dict[str, Any]:
    """A new file (and dates) for the same typed slot: published as removed + added."""
    old = await get(ctx, provider_id, attachment_id)
    _check_file(ctx, data, old["type"], valid_from, valid_until)  # before anything is removed
    # the owner too (a removed subcontractor gets no new file): removing deletes the stored file at once
    await _owner(ctx, provider_id, old["level"], old["owner_id"])
    await remove(ctx, provider_id, attachment_id, _checked=old)
    return await add(ctx, provider_id, level=old["level"], owner_id=old["owner_id"], type_=old["type"],
                     filename=filename, data=data, valid_from=valid_from, valid_until=valid_until)


async def remove(ctx: RegistryContext, provider_id: str, attachment_id: str,
                 _checked: dict[str, Any] | None = None) -> None:
    row = _checked or await get(ctx, provider_id, attachment_id)
    await attachment_queries.delete_attachment(ctx.session, attachment_id)
    await ctx.outbox.add(ctx.session, AttachmentRemoved(**_payload(row)), tenant_id=None)
    # The file goes once the removal has committed: a removal that fails (rolls back) keeps its evidence.
    blobs, key = ctx.ports.blobs, row["blob_key"]
    after_commit(ctx.session, lambda: blobs.delete(key))


async def expire(ctx: RegistryContext) -> int:
    """Daily job: publish `registry.attachment.expired` once for each attachment past its validity."""
    rows = await attachment_queries.expiring_attachments(ctx.session, ctx.today())
    for row in rows:
        await attachment_queries.mark_expiry_notified(ctx.session, row["id"])
        await ctx.outbox.add(ctx.session, AttachmentExpired(**_payload(row)), tenant_id=None)
    return len(rows)
