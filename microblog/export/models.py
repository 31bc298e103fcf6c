"""Data exports: one row per export a user asked for; the ZIP itself is a file in EXPORT_DIR."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db

PENDING, READY, FAILED = "pending", "ready", "failed"


class DataExport(db.Model):
    __tablename__ = "data_export"
    __table_args__ = (sa.Index("ix_data_export_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(sa.String(16), default=PENDING)
    # Part of the file's name: a file name nobody can guess from an export's id.
    nonce: Mapped[str] = mapped_column(sa.String(32), default=lambda: secrets.token_hex(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    @property
    def filename(self) -> str:
        return f"export-{self.id}-{self.nonce}.zip"
