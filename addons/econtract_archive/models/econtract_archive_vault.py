"""Where the archive's bytes go, and the keys that lock them: one service for both.

The store is configured by system parameters (or, when unset, the environment the tooling
or a container sets); credentials come from the environment only, so they never sit in the
database. Core errors become `UserError` here, in one place: a store or key server that is
down says so and that the action can be retried.
"""

import logging
import os
import threading

from odoo import _, api, models, tools
from odoo.exceptions import UserError

from econtract.crypto import CryptoError, DecryptionFailed, KeyUnavailable
from econtract.storage import StorageError, StoreUnavailable

_logger = logging.getLogger(__name__)

#: Settings: system parameter → environment variable used when the parameter is unset.
SETTINGS = {
    "econtract.archive_store_url": "ECONTRACT_ARCHIVE_STORE_URL",
    "econtract.archive_replica_url": "ECONTRACT_ARCHIVE_REPLICA_URL",
    "econtract.archive_key_backend": "ECONTRACT_ARCHIVE_KEY_BACKEND",
    "econtract.archive_s3_endpoint_url": "ECONTRACT_S3_ENDPOINT_URL",
}

_STORES = {}
_STORES_LOCK = threading.Lock()


def _s3_options(endpoint):
    """Options of S3 stores; credentials from the environment only (never the database)."""
    options = {
        "endpoint_url": endpoint,
        "key": os.environ.get("ECONTRACT_S3_ACCESS_KEY"),
        "secret": os.environ.get("ECONTRACT_S3_SECRET_KEY"),
    }
    options = {name: value for name, value in options.items() if value}
    # A store that is down answers within seconds, and the caller retries, not botocore.
    options["config_kwargs"] = {
        "connect_timeout": 5,
        "read_timeout": 30,
        "retries": {"max_attempts": 2},
    }
    # A new client per configuration: fsspec's instance cache would keep an old endpoint.
    options["skip_instance_cache"] = True
    return options


def _store_options(url, endpoint):
    if url.startswith("s3://"):
        return _s3_options(endpoint)
    if url.startswith("webhdfs://"):
        options = {"timeout": 30}
        if os.environ.get("ECONTRACT_WEBHDFS_USER"):
            options["user"] = os.environ["ECONTRACT_WEBHDFS_USER"]
        return options
    return {}


class EcontractArchiveVault(models.AbstractModel):
    _name = "econtract.archive.vault"
    _description = "Archive Store and Keys"

    @api.model
    def _setting(self, name):
        # sudo: system parameters are readable by administrators only; these say where the
        # archive is for whoever archives or reads it (access to the files is checked apart).
        value = self.env["ir.config_parameter"].sudo().get_param(name)
        if value:
            return "" if value == "off" else value
        return os.environ.get(SETTINGS[name], "")

    @api.model
    def _store_url(self):
        url = self._setting("econtract.archive_store_url")
        if url:
            return url
        return f"file://{tools.config.filestore(self.env.cr.dbname)}/econtract-archive"

    @api.model
    def _store(self):
        """The archive's store (with its replica when one is configured)."""
        from econtract.storage import ObjectStore, ReplicatedStore

        url, replica = self._store_url(), self._setting("econtract.archive_replica_url")
        endpoint = self._setting("econtract.archive_s3_endpoint_url")
        key = (url, replica, endpoint)
        with _STORES_LOCK:
            store = _STORES.get(key)
        if store is not None:
            return store
        try:
            stores = [ObjectStore(u, **_store_options(u, endpoint)) for u in (url, replica) if u]
        except StorageError as exc:
            raise UserError(
                _("The archive store is not configured correctly: %(error)s", error=exc)
            ) from exc
        try:
            for each in stores:
                each.ensure()  # a bucket or directory made once; a store that is down says so
        except StorageError as exc:
            self._raise(exc, _("open its store"))
        store = ReplicatedStore(*stores) if len(stores) == 2 else stores[0]
        with _STORES_LOCK:
            _STORES[key] = store
        return store

    @api.model
    def _raise(self, exc, action):
        """A core error as the user reads it; unavailability says it can be retried."""
        if isinstance(exc, StoreUnavailable | KeyUnavailable):
            raise UserError(
                _(
                    "The archive could not %(action)s now: %(error)s. Nothing was changed; "
                    "try again later.",
                    action=action,
                    error=exc,
                )
            ) from exc
        if isinstance(exc, DecryptionFailed):
            raise UserError(
                _(
                    "An archived file failed its integrity check and was not served: %(error)s",
                    error=exc,
                )
            ) from exc
        if isinstance(exc, CryptoError | StorageError):
            raise UserError(
                _("The archive could not %(action)s: %(error)s", action=action, error=exc)
            ) from exc
        raise exc
