"""RFC 3161 time stamps: the platform's own time-stamping authority."""

from .authority import TimeStampAuthority

__all__ = ["TimeStampAuthority"]
