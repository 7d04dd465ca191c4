import hashlib
import json
from urllib.parse import quote

from odoo.tests import tagged

from .common import API, ApiCommon


@tagged("post_install", "-at_install")
class TestApiAuthentication(ApiCommon):
    def test_no_key_wrong_key_and_revoked_key_are_refused(self):
        for key in (False, "0" * 40, "x" * 500):
            status, headers, problem = self.api("GET", "/me", key=key)
            self.assertEqual(status, 401)
            self.assertEqual(headers["Content-Type"], "application/problem+json")
            self.assertEqual(problem["code"], "unauthenticated")
            self.assertEqual(problem["type"], "urn:econtract:problem:unauthenticated")
            self.assertTrue(headers["WWW-Authenticate"].startswith("Bearer"))
        status, _headers, me = self.api("GET", "/me")
        self.assertEqual((status, me["id"]), (200, self.user.id))
        self.env["res.users.apikeys"].search([("user_id", "=", self.user.id)]).sudo()._remove()
        status, _headers, problem = self.api("GET", "/me")
        self.assertEqual((status, problem["code"]), (401, "unauthenticated"))

    def test_portal_users_keys_are_refused(self):
        status, _headers, problem = self.api("GET", "/contracts", key=self._key(self.portal))
        self.assertEqual((status, problem["code"]), (403, "forbidden"))

    def test_the_callers_language_words_the_answer(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        _status, _headers, me = self.api("GET", "/me", headers={"Accept-Language": "zh-CN"})
        self.assertEqual(me["lang"], "zh_CN")
        self.user.lang = "zh_CN"
        _status, _headers, me = self.api("GET", "/me", headers={"Accept-Language": ""})
        self.assertEqual(me["lang"], "zh_CN", "without a header, the user's language")
        self.env["ir.module.module"]._load_module_terms(["econtract_api"], ["zh_CN"])
        _status, _headers, problem = self.api(
            "GET", "/me", key=False, headers={"Accept-Language": "zh-CN,zh;q=0.9"}
        )
        self.assertEqual(problem["title"], "请求没有有效的 API 密钥。")
        self.assertEqual(problem["code"], "unauthenticated", "codes are the same in every language")
        _status, _headers, problem = self.api(
            "POST",
            "/contracts",
            self.create_body(template_version_id=999999999),
            headers={"Accept-Language": ""},
        )
        self.assertEqual(problem["detail"], "模板版本 999999999 不存在。", "the user's language")

    def test_openapi_document_is_public_and_lists_every_route(self):
        status, _headers, document = self.api("GET", "/openapi.json", key=False)
        self.assertEqual(status, 200)
        self.assertTrue(document["openapi"].startswith("3.1"))
        self.assertIn("HTTPBearer", document["components"]["securitySchemes"])
        from ..routers import ROUTERS

        # Every route but the reference page, which is not an operation of the API.
        routes = [route for router in ROUTERS for route in router.routes if route.include_in_schema]
        self.assertGreaterEqual(len(routes), 16)
        for route in routes:
            self.assertIn(route.path, document["paths"])
            for method in route.methods:
                operation = document["paths"][route.path][method.lower()]
                self.assertIn("401", operation["responses"], route.path)


@tagged("post_install", "-at_install")
class TestApiContracts(ApiCommon):
    def test_read_a_contract_with_its_signing_and_versions(self):
        contract = self._signed()
        status, _headers, document = self.api("GET", f"/contracts/{contract.id}")
        self.assertEqual(status, 200)
        self.assertEqual(document["reference"], contract.name)
        self.assertEqual(document["state"], "signed")
        self.assertEqual(document["parties"][0]["name"], "李娜")
        self.assertEqual(
            {v["sha256"] for v in document["versions"]}, set(contract.document_ids.mapped("sha256"))
        )
        [request] = document["sign_requests"]
        self.assertEqual(request["state"], "completed")
        self.assertEqual(request["signers"][0]["state"], "signed")
        self.assertIsInstance(document["amount"], str)

    def test_other_companies_and_missing_ids_are_not_found(self):
        contract = self._new_contract(self.user)
        status, _headers, problem = self.api("GET", f"/contracts/{contract.id}", key=self.key_b)
        self.assertEqual((status, problem["code"]), (404, "not_found"))
        status, _headers, problem = self.api("GET", "/contracts/999999999")
        self.assertEqual((status, problem["code"]), (404, "not_found"))
        status, _headers, page = self.api("GET", "/contracts", key=self.key_b)
        self.assertNotIn(contract.id, [item["id"] for item in page["items"]])
        for since in ("2000-01-01T08:00:00+08:00", "2000-01-01T00:00:00.5Z"):
            status, _headers, page = self.api("GET", f"/contracts?updated_after={quote(since)}")
            self.assertEqual(status, 200, page)
            self.assertIn(contract.id, [item["id"] for item in page["items"]])
            self.assertTrue(page["items"][0]["updated_at"].endswith("Z"))
        status, _headers, problem = self.api("GET", "/contracts?updated_after=yesterday")
        self.assertEqual((status, problem["code"]), (422, "invalid_value"))
        status, _headers, problem = self.api(
            "POST", f"/contracts/{contract.id}/submit", body={}, key=self.key_b
        )
        self.assertEqual((status, problem["code"]), (404, "not_found"))
        self.assertEqual(contract.state, "draft")

    def test_pages_follow_ids_without_gaps_or_repeats(self):
        made = [self._new_contract(self.user, title=f"分页 {n}") for n in range(5)]
        seen, cursor = [], None
        for _page in range(10):
            query = "?limit=2&q=分页" + (f"&cursor={cursor}" if cursor else "")
            status, _headers, page = self.api("GET", "/contracts" + query)
            self.assertEqual(status, 200)
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        self.assertEqual(seen, sorted((c.id for c in made), reverse=True))
        for bad in ("not-a-cursor", "eyJhZnRlciI6ICJ4In0"):
            status, _headers, problem = self.api("GET", f"/contracts?cursor={bad}")
            self.assertEqual((status, problem["code"]), (400, "invalid_cursor"))
        status, _headers, problem = self.api("GET", "/contracts?limit=1000")
        self.assertEqual((status, problem["code"]), (422, "invalid_request"))

    def test_filters(self):
        draft = self._new_contract(self.user, title="筛选 草稿", contract_type="lease")
        self._new_contract(self.user, title="筛选 其他", contract_type="sales")
        _status, _headers, page = self.api("GET", "/contracts?q=筛选&type=lease&state=draft")
        self.assertEqual([item["id"] for item in page["items"]], [draft.id])
        _status, _headers, page = self.api("GET", f"/contracts?reference={draft.name}")
        self.assertEqual([item["id"] for item in page["items"]], [draft.id])

    def test_create_from_a_template_render_submit_and_download(self):
        status, headers, document = self.api("POST", "/contracts", body=self.create_body())
        self.assertEqual(status, 201, document)
        contract = self.env["econtract.contract"].browse(document["id"])
        self.assertEqual(headers["Location"], f"/api/v1/contracts/{contract.id}")
        self.assertEqual(contract.user_id, self.user)
        self.assertEqual(contract.template_version_id, self.version)
        self.assertEqual(document["amount"], "128000.50")
        values = {v["name"]: v["value"] for v in document["variables"]}
        self.assertEqual(values["goods"], "办公桌椅一批")
        self.assertEqual(values["seller"], self.supplier.name)

        status, _headers, version = self.api("POST", f"/contracts/{contract.id}/render")
        self.assertEqual(status, 200, version)
        status, headers, pdf = self.api("GET", version["download"].removeprefix(API))
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/pdf")
        self.assertEqual(hashlib.sha256(pdf).hexdigest(), version["sha256"])

        status, _headers, document = self.api("POST", f"/contracts/{contract.id}/submit")
        self.assertEqual(status, 200, document)
        self.assertEqual(document["state"], "approved")
        status, _headers, problem = self.api("POST", f"/contracts/{contract.id}/submit")
        self.assertEqual((status, problem["code"]), (422, "rejected"))
        self.assertIn(contract.name, problem["detail"])


@tagged("post_install", "-at_install")
class TestApiIdempotencyAndBadInput(ApiCommon):
    def _count(self):
        return self.env["econtract.contract"].search_count([("title", "=", "办公家具采购")])

    def test_a_retried_create_returns_the_first_contract(self):
        key = {"Idempotency-Key": "order-4711-create"}
        status, _headers, first = self.api("POST", "/contracts", self.create_body(), headers=key)
        self.assertEqual(status, 201)
        status, headers, again = self.api("POST", "/contracts", self.create_body(), headers=key)
        self.assertEqual((status, again["id"]), (201, first["id"]))
        self.assertEqual(headers["Idempotent-Replayed"], "true")
        self.assertEqual(headers["Location"], f"/api/v1/contracts/{first['id']}")
        self.assertEqual(self._count(), 1)
        # Another user's key space is their own.
        status, _headers, other = self.api(
            "POST",
            "/contracts",
            self.create_body(partner_ids=[self.supplier.id]),
            headers=key,
            key=self.key_b,
        )
        self.assertNotEqual(other.get("id"), first["id"])

    def test_a_key_reused_with_another_body_is_refused_and_changes_nothing(self):
        key = {"Idempotency-Key": "order-4712"}
        self.api("POST", "/contracts", self.create_body(), headers=key)
        status, _headers, problem = self.api(
            "POST", "/contracts", self.create_body(title="办公家具采购", amount="1.00"), headers=key
        )
        self.assertEqual((status, problem["code"]), (422, "idempotency_key_reused"))
        self.assertEqual(self._count(), 1)
        status, _headers, problem = self.api(
            "POST", "/contracts", self.create_body(), headers={"Idempotency-Key": "two words"}
        )
        self.assertEqual((status, problem["code"]), (400, "invalid_idempotency_key"))

    def test_a_refused_create_leaves_nothing_and_its_key_free(self):
        key = {"Idempotency-Key": "order-4713"}
        body = self.create_body(values={"due": "2027-02-30"})
        status, _headers, problem = self.api("POST", "/contracts", body, headers=key)
        self.assertEqual((status, problem["code"]), (422, "invalid_value"))
        self.assertIn("due", problem["detail"])
        self.assertEqual(self._count(), 0, "the contract drafted before the bad value is gone")
        status, _headers, _document = self.api(
            "POST", "/contracts", self.create_body(), headers=key
        )
        self.assertEqual(status, 201, "the corrected request may reuse the key")

    def test_bad_bodies_are_specific_problems(self):
        cases = [
            (None, "{not json", 400, "malformed_json"),
            (self.create_body(colour="red"), None, 422, "invalid_request"),
            (self.create_body(partner_ids="1"), None, 422, "invalid_request"),
            (self.create_body(amount="-5"), None, 422, "invalid_request"),
            (self.create_body(currency="rmb"), None, 422, "invalid_request"),
            (self.create_body(template_version_id=999999999), None, 422, "invalid_value"),
            (self.create_body(partner_ids=[999999999]), None, 422, "invalid_value"),
            (self.create_body(values={"nope": "x"}), None, 422, "invalid_value"),
            (self.create_body(values={"price": "a lot"}), None, 422, "invalid_value"),
            (self.create_body(values={"seller": "上海"}), None, 422, "invalid_value"),
            (self.create_body(company_id=self.company_b.id), None, 422, "invalid_value"),
            (self.create_body(date_start="2027-02-01", date_end="2027-01-01"), None, 422,
             "rejected"),
        ]  # fmt: skip
        for body, raw, status, code in cases:
            with self.subTest(code=code, body=raw or json.dumps(body)[:80]):
                answer, _headers, problem = self.api("POST", "/contracts", body, raw=raw)
                self.assertEqual((answer, problem["code"]), (status, code), problem)
        status, _headers, problem = self.api(
            "POST", "/contracts", raw="title=x", headers={"Content-Type": "text/plain"}
        )
        self.assertEqual((status, problem["code"]), (415, "unsupported_media_type"))
        self.assertEqual(self._count(), 0)
        unknown = self.api("POST", "/contracts", self.create_body(colour="red"))[2]
        self.assertEqual(unknown["errors"][0]["type"], "extra_forbidden")
        self.assertNotIn("input", unknown["errors"][0])

    def test_an_oversized_body_is_refused_before_it_is_read(self):
        self.env["ir.config_parameter"].sudo().set_param("econtract_api.max_body_bytes", "1000")
        body = self.create_body(title="长" * 400)
        status, _headers, problem = self.api("POST", "/contracts", body)
        self.assertEqual((status, problem["code"]), (413, "payload_too_large"))
        self.assertEqual(self._count(), 0)

    def test_every_call_is_logged_with_its_answer(self):
        Call = self.env["econtract.api.call"]
        start = Call.search([], limit=1).id or 0
        self.api("GET", "/me")
        self.api("POST", "/contracts", self.create_body(values={"nope": 1}))
        self.api("GET", "/me", key="0" * 40)
        calls = Call.search([("id", ">", start)], order="id")
        self.assertEqual(
            [(c.method, c.path, c.status, c.code, c.user_id) for c in calls],
            [
                ("GET", "/me", 200, False, self.user),
                ("POST", "/contracts", 422, "invalid_value", self.user),
                ("GET", "/me", 401, "unauthenticated", self.env["res.users"]),
            ],
        )
        self.assertEqual(calls[0].key_index, self.key[:8])
        self.assertFalse(Call.with_user(self.user).has_access("read"))
        self.assertEqual(calls[0].company_id, self.company)
        auditor_b = self._new_user(
            "ec_auditor_b", "econtract_base.group_econtract_auditor", company=self.company_b
        )
        self.assertFalse(Call.with_user(auditor_b).search([("id", "in", calls[:2].ids)]))
        # The refused call names no company: the system administrators' to read.
        self.assertEqual(Call.with_user(self.auditor).search([("id", "in", calls.ids)]), calls[:2])


@tagged("post_install", "-at_install")
class TestApiRateLimit(ApiCommon):
    def test_a_key_over_its_rate_waits_and_others_do_not(self):
        self.forget_rates()
        self.addCleanup(self.forget_rates)
        parameters = self.env["ir.config_parameter"].sudo()
        parameters.set_param("econtract_api.rate_per_minute", "60")
        parameters.set_param("econtract_api.rate_burst", "3")
        answers = [self.api("GET", "/me")[0] for _n in range(4)]
        self.assertEqual(answers, [200, 200, 200, 429])
        status, headers, problem = self.api("GET", "/me")
        self.assertEqual((status, problem["code"]), (429, "rate_limited"))
        self.assertGreaterEqual(int(headers["Retry-After"]), 1)
        self.assertEqual(problem["retry_after"], int(headers["Retry-After"]))
        self.assertEqual(self.api("GET", "/me", key=self.key_b)[0], 200, "per key")
        # Calls without a valid key are limited by address.
        answers = [self.api("GET", "/me", key="0" * 40)[0] for _n in range(4)]
        self.assertEqual(answers, [401, 401, 401, 429])
        # The limited calls are logged, and changed nothing else.
        last = self.env["econtract.api.call"].search([("user_id", "=", self.user.id)], limit=1)
        self.assertEqual((last.status, last.code), (429, "rate_limited"))


@tagged("post_install", "-at_install")
class TestApiRecordsOverJsonRpc(ApiCommon):
    """The gate's records are the gate's: no role writes them over JSON-RPC."""

    def test_calls_without_a_company_are_for_system_administrators(self):
        """A call with no valid key names no company: its address and path are no
        company's administrators' or auditors' to read."""
        from odoo.addons.econtract_base.tests.common import call_kw

        self.forget_rates()
        self.api("GET", "/me")
        self.api("GET", "/me", key="0" * 40)
        Call = self.env["econtract.api.call"]
        self.assertTrue(Call.search([("company_id", "=", False)]))
        self.authenticate("ec_auditor", "ec_auditor")
        ok, seen, _error = call_kw(self, "econtract.api.call", "search_read", [[], ["company_id"]])
        self.assertTrue(ok)
        self.assertTrue(seen, "their company's calls")
        self.assertTrue(all(row["company_id"] for row in seen))

    def test_no_role_writes_the_logs_keys_rates_or_the_endpoint(self):
        from odoo.addons.econtract_base.tests.common import call_kw

        self.api("POST", "/contracts", self.create_body(), headers={"Idempotency-Key": "k1"})
        call = self.env["econtract.api.call"].search([], limit=1)
        stored = self.env["econtract.api.idempotency"].search([], limit=1)
        endpoint = self.env.ref("econtract_api.endpoint_api_v1")
        self.api("GET", f"/contracts/{self._new_contract(self.user).id}/status")
        scope = self.env["econtract.api.scope"].search([("user_id", "=", self.user.id)])
        self.assertTrue(call and stored and scope)
        for login in ("ec_user", "ec_manager", "ec_auditor"):
            self.authenticate(login, login)
            attempts = [
                ("econtract.api.call", "create", [{"method": "GET", "path": "/x", "status": 1}]),
                ("econtract.api.call", "write", [call.ids, {"status": 200}]),
                ("econtract.api.call", "unlink", [call.ids]),
                ("econtract.api.idempotency", "read", [stored.ids, ["response_body"]]),
                ("econtract.api.idempotency", "write", [stored.ids, {"status": 500}]),
                ("econtract.api.rate", "create", [{"bucket": "x", "tat": 0}]),
                ("econtract.api.idempotency", "_claim", [self.user.id, "k2", "0"]),
                ("fastapi.endpoint", "write", [endpoint.ids, {"root_path": "/evil"}]),
                # The read service runs a scope's SQL: no one but Odoo writes one.
                ("econtract.api.scope", "read", [scope.ids, ["statements"]]),
                ("econtract.api.scope", "write", [scope.ids, {"statements": {"contract": "1"}}]),
                ("econtract.api.scope", "create", [{"user_id": self.user.id, "signals": "x"}]),
                ("econtract.api.scope", "_keep", [{}]),
            ]
            for model, method, args in attempts:
                ok, _result, _error = call_kw(self, model, method, args)
                self.assertFalse(ok, f"{login}: {model}.{method}")
        self.assertEqual((call.status, stored.status), (call.status, 201))
        self.assertEqual(endpoint.root_path, "/api/v1")
        self.assertEqual(scope.statements["contract"][:1], "(")
