"""The gate every ``/api/v1`` request passes: size limit, API key, idempotency, errors, log.

It is an ASGI middleware around the API's FastAPI app, inside Odoo's request and its
transaction (the ``fastapi`` addon runs the app there). It answers errors itself, as
problem documents, after rolling the transaction back, so that a refused request changes
nothing and is still written to the operation log. Database conflicts that Odoo retries
(serialisation failures, deadlocks) are re-raised untouched, so that Odoo runs the whole
request again, as it would any other.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass, field

from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from odoo.addons.fastapi.context import odoo_env_ctx

from .problems import MEDIA_TYPE, ApiProblem, as_problem

_logger = logging.getLogger(__name__)

# Routes anyone may read: the API's description (and its page) is public, like a WSDL.
PUBLIC_PATHS = frozenset({"/openapi.json", "/docs"})
DEFAULT_MAX_BODY = 25 * 1024 * 1024
MAX_KEY_LENGTH = 128  # Odoo's keys are 40 characters; longer tokens are not keys.
BODY_TYPES = frozenset({"application/json", "multipart/form-data"})
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="econtract"'}
INVALID_TOKEN = ', error="invalid_token"'


@dataclass
class Response:
    status: int
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""

    @classmethod
    def problem(cls, env, problem: ApiProblem) -> Response:
        headers = [(b"content-type", MEDIA_TYPE.encode())]
        headers += [(k.lower().encode(), v.encode()) for k, v in problem.headers.items()]
        return cls(problem.status, headers, problem.body(env))

    def header(self, name: bytes) -> str | None:
        for key, value in self.headers:
            if key.lower() == name:
                return value.decode("latin-1")
        return None


@dataclass
class Call:
    """What the operation log keeps of one request."""

    method: str
    path: str
    remote_addr: str
    started: float = field(default_factory=time.perf_counter)
    user_id: int | None = None
    key_index: str | None = None
    idempotency_key: str | None = None
    replayed: bool = False
    code: str | None = None
    lang: str | None = None
    company_id: int | None = None


class ApiGate:
    """ASGI middleware: see the module's docstring."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        env = odoo_env_ctx.get()
        route = scope["path"].removeprefix(scope.get("root_path", "")) or "/"
        client = scope.get("client") or ("", 0)
        call = Call(scope["method"], route[:512], client[0])
        try:
            body = await self._read_body(env, scope, receive)
            if self._public(scope, route):
                response = await self._call_app(scope, body)
            else:
                response = await self._authorised(env, scope, body, call)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise
        except Exception as exc:  # every error is answered: a problem, or _fault
            problem = as_problem(env, exc)
            if problem is None:
                response = self._fault(env, exc, call)
            else:
                env.cr.rollback()
                call.code = problem.code
                response = self._answer(self._caller_env(env, call), problem)
        self._log(env, call, response)
        await send(
            {"type": "http.response.start", "status": response.status, "headers": response.headers}
        )
        await send({"type": "http.response.body", "body": response.body})

    # ------------------------------------------------------- what a dialect changes

    def _public(self, scope, route: str) -> bool:
        """Whether the request needs no key (the API's own description)."""
        return route in PUBLIC_PATHS

    def _body_limit(self, env) -> int:
        # sudo: the limit is configuration the caller may not read.
        return int(
            env["ir.config_parameter"].sudo().get_param("econtract_api.max_body_bytes")
            or DEFAULT_MAX_BODY
        )

    def _answer(self, env, problem: ApiProblem) -> Response:
        """The answer to a refused request, worded in ``env``'s language."""
        return Response.problem(env, problem)

    def _credentials(self, scope, headers: dict[str, str]) -> tuple[str, str | None]:
        """The API key the request carries, and the login it claims to be (or None);
        a 401 problem when it carries none."""
        scheme, _sep, key = headers.get("authorization", "").partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise ApiProblem(401, "unauthenticated", headers=dict(CHALLENGE))
        return key, None

    def _check_media_type(self, headers: dict[str, str], body: bytes) -> None:
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        if body and kind not in BODY_TYPES and not kind.endswith("+json"):
            raise ApiProblem(415, "unsupported_media_type")

    def _idempotency_key(self, scope, headers: dict[str, str], call: Call) -> str | None:
        """The key under which this request is run once, if it is to be."""
        if scope["method"] != "POST":
            return None
        return headers.get("idempotency-key")

    def _digest(self, scope, body: bytes) -> str:
        """What a replay must repeat exactly: the method, the path and query, the body."""
        parts = [scope["method"].encode(), scope["path"].encode()]
        parts += [scope.get("query_string", b""), body]
        return hashlib.sha256(b"\0".join(parts)).hexdigest()

    # ---------------------------------------------------------------------- steps

    async def _read_body(self, env, scope, receive) -> bytes:
        limit = self._body_limit(env)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise ApiProblem(413, "payload_too_large", limit=limit)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise ApiProblem(413, "payload_too_large", limit=limit)
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        return b"".join(chunks)

    async def _authorised(self, env, scope, body: bytes, call: Call) -> Response:
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            # The first of repeated headers, as Starlette reads them.
            headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
        try:
            user_env = self._authenticate(env, scope, headers, call)
        except ApiProblem:
            self._throttle(env, f"anonymous:{call.remote_addr}")
            raise
        self._throttle(env, f"{call.user_id}:{call.key_index}")
        self._check_media_type(headers, body)
        token = odoo_env_ctx.set(user_env)
        try:
            key = self._idempotency_key(scope, headers, call)
            if key is not None:
                response = await self._idempotent(user_env, scope, body, key, call)
            else:
                response = await self._call_app(scope, body)
            # Now, not when Odoo ends the request: a write the ORM still holds fails here,
            # inside the gate (rolled back, answered, logged), and as the key's user.
            user_env.flush_all()
            return response
        finally:
            odoo_env_ctx.reset(token)

    def _throttle(self, env, bucket: str) -> None:
        # sudo: the rates are the gate's bookkeeping, kept per key (or per address).
        env["econtract.api.rate"].sudo()._throttle(bucket)

    def _authenticate(self, env, scope, headers: dict[str, str], call: Call):
        """The environment of the API key's user, or a 401 problem."""
        key, login = self._credentials(scope, headers)
        uid = None
        if len(key) <= MAX_KEY_LENGTH:
            # sudo: the keys table is readable by no one; this is the authentication itself.
            uid = env["res.users.apikeys"].sudo()._check_credentials(scope="rpc", key=key)
        user = env["res.users"].sudo().browse(uid)  # sudo: the key's user, before it is ours
        if not uid or (login is not None and login != user.login):
            challenge = {"WWW-Authenticate": CHALLENGE["WWW-Authenticate"] + INVALID_TOKEN}
            raise ApiProblem(401, "unauthenticated", headers=challenge)
        call.user_id, call.key_index, call.company_id = uid, key[:8], user.company_id.id
        lang = call.lang = self._accepted_lang(env, headers) or user.lang or "en_US"
        user_env = env(user=uid, su=False, context={"lang": lang, "tz": user.tz or "UTC"})
        if not user_env.user._is_internal():
            raise ApiProblem(403, "forbidden", user_env._("API keys are for internal users."))
        return user_env

    def _accepted_lang(self, env, headers: dict[str, str]) -> str | None:
        accept = headers.get("accept-language")
        if not accept:
            return None
        return env["res.lang"].sudo()._get_lang_from_accept_language(accept) or None

    async def _idempotent(self, env, scope, body: bytes, key: str, call: Call) -> Response:
        """Run a POST once per (user, key): a retry gets the first answer back.

        The key's row is inserted in the request's own transaction, before the work: a
        concurrent request with the same key waits on the row until this one ends. If it
        rolled back, the waiting request does the work itself; if it committed, the waiting
        transaction cannot serialise, Odoo runs the request again, and that run replays the
        stored answer. A refused request leaves no row, so the corrected retry may reuse
        its key. Answers marked ``Cache-Control: no-store`` (links to signing pages) are
        never stored: each is given afresh, and logged.
        """
        if not IDEMPOTENCY_KEY.fullmatch(key):
            raise ApiProblem(400, "invalid_idempotency_key")
        call.idempotency_key = key
        digest = self._digest(scope, body)
        store = env["econtract.api.idempotency"].sudo()  # sudo: written by the gate only
        stored = store._claim(env.uid, key, digest)
        if stored is not None:
            if stored.request_sha256 != digest:
                raise ApiProblem(422, "idempotency_key_reused")
            if not stored.status:
                raise ApiProblem(409, "idempotency_in_progress")
            call.replayed = True
            return Response(
                stored.status,
                [
                    (k.encode("latin-1"), v.encode("latin-1"))
                    for k, v in stored.response_headers or ()
                ]
                + [(b"idempotent-replayed", b"true")],
                stored.response_body.encode() if stored.response_body else b"",
            )
        response = await self._call_app(scope, body)
        if "no-store" in (response.header(b"cache-control") or ""):
            # A credential (a signer's link), however its path was spelled: given afresh.
            store._release(env.uid, key)
            call.idempotency_key = None
            return response
        kept = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers]
        store._keep(env.uid, key, response.status, kept, response.body.decode(errors="replace"))
        return response

    async def _call_app(self, scope, body: bytes) -> Response:
        """The app's answer, whole: it is logged and kept before the caller sees it."""
        pending = [{"type": "http.request", "body": body, "more_body": False}]
        response = Response(500)
        chunks: list[bytes] = []

        async def receive():
            return pending.pop() if pending else {"type": "http.disconnect"}

        async def send(message):
            if message["type"] == "http.response.start":
                response.status = message["status"]
                response.headers = list(message.get("headers") or ())
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        response.body = b"".join(chunks)
        return response

    def _fault(self, env, exc: Exception, call: Call) -> Response:
        _logger.exception("API call %s %s failed", call.method, call.path, exc_info=exc)
        env.cr.rollback()
        call.code = "internal_error"
        return self._answer(self._caller_env(env, call), ApiProblem(500, "internal_error"))

    def _caller_env(self, env, call: Call):
        """The environment to word an error in: the caller's language once it is known."""
        return env(context=dict(env.context, lang=call.lang)) if call.lang else env

    def _log(self, env, call: Call, response: Response) -> None:
        duration = (time.perf_counter() - call.started) * 1000
        # sudo: the operation log is append-only and written by the gate for every caller.
        env["econtract.api.call"].sudo().create(
            {
                "user_id": call.user_id,
                "company_id": call.company_id,
                "key_index": call.key_index,
                "method": call.method,
                "path": call.path,
                "status": response.status,
                "code": call.code,
                "duration_ms": round(duration, 2),
                "remote_addr": call.remote_addr,
                "idempotency_key": call.idempotency_key,
                "replayed": call.replayed,
            }
        )
