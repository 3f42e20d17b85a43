"""Drives linli's JSON API through a small scenario and validates every
response against the schema its operation documents in /api/v1/openapi.json.

Run by tests/api/openapi.rs: LINLI_URL=http://127.0.0.1:PORT LINLI_PASSWORD=... python check_openapi.py
"""

import os
import re
import struct
import zlib

import jsonschema
import requests
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

BASE = os.environ["LINLI_URL"].rstrip("/")
PASSWORD = os.environ["LINLI_PASSWORD"]
DOC = requests.get(f"{BASE}/api/v1/openapi.json").json()
ROOT = "urn:linli:openapi"
registry = Registry().with_resource(ROOT, Resource.from_contents(DOC, default_specification=DRAFT202012))
checks = 0


def operation(method, path):
    for template, item in DOC["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method in item:
            return template, item[method]
    raise AssertionError(f"{method.upper()} {path} is not documented")


def call(method, path, token=None, expect=None, **kwargs):
    global checks
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = requests.request(method, f"{BASE}{path}", headers=headers, **kwargs)
    template, op = operation(method, path.split("?")[0])
    status = str(r.status_code)
    if expect is not None and r.status_code != expect:
        raise AssertionError(f"{method.upper()} {path}: {r.status_code}, wanted {expect}: {r.text[:500]}")
    documented = op["responses"].get(status)
    if documented is None:
        raise AssertionError(f"{method.upper()} {template} answered {status}, which is not documented: {r.text[:300]}")
    content = documented.get("content", {})
    if "application/json" in content:
        pointer = f"/paths/{escape(template)}/{method}/responses/{status}/content/application~1json/schema"
        errors = schema_errors(pointer, r.json())
        if errors:
            e = errors[0]
            raise AssertionError(f"{method.upper()} {path} ({status}) does not match the document: {e.message} at {list(e.absolute_path)}")
    checks += 1
    return r


def schema_errors(pointer, instance):
    """Validates against the schema at a JSON pointer into the document, so
    its $refs resolve."""
    validator = jsonschema.Draft202012Validator(
        {"$ref": f"{ROOT}#{pointer}"}, registry=registry, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return sorted(validator.iter_errors(instance), key=str)


def escape(template):
    return template.replace("~", "~0").replace("/", "~1")


def png():
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def login(user):
    return call("post", "/api/v1/auth/token", json={"username": user, "password": PASSWORD}, expect=201).json()["token"]


# The checks must be able to fail: a case without its required fields, with
# a bad date-time, is rejected.
assert schema_errors("/components/schemas/Case", {"id": 1}), "required fields are not enforced"
assert schema_errors("/components/schemas/Notification", {"id": 1, "title": "t", "body": "b", "created_at": "yesterday", "read": False}), "formats are not checked"

B98 = "32060201100301098"
call("get", "/healthz", expect=200)
call("get", "/api/v1/buildings?q=98", expect=200)
call("get", "/api/v1/buildings", expect=400)
call("get", f"/api/v1/directory?building={B98}&unit=3", expect=200)
call("get", "/api/v1/directory?building=nope", expect=404)
call("post", "/api/v1/auth/token", json={"username": "weiwangge", "password": "wrong"}, expect=401)
member, prop, staff = login("weiwangge"), login("wuye"), login("shequ")
call("get", "/api/v1/me", member, expect=200)
case = call("post", "/api/v1/cases", member, json={"category": "lighting", "description": "98栋三单元楼道灯不亮", "building": B98, "unit": 3}, expect=201).json()
cid = case["id"]
call("post", "/api/v1/cases", member, json={"category": "lighting"}, expect=400)
call("get", "/api/v1/cases?status=dispatched", prop, expect=200)
call("get", "/api/v1/cases", expect=401)
call("post", f"/api/v1/cases/{cid}/actions/accept", prop, expect=200)
photo = call("post", "/api/v1/attachments", prop, files={"file": ("p.png", png(), "image/png")}, expect=201).json()
call("post", f"/api/v1/cases/{cid}/actions/accept", prop, expect=409)
call("post", f"/api/v1/cases/{cid}/actions/close", prop, expect=403)
call("post", f"/api/v1/cases/{cid}/actions/resolve", prop, json={"note": "已更换", "attachments": [photo["sha256"]]}, expect=200)
call("post", f"/api/v1/cases/{cid}/actions/close", member, json={}, expect=200)
call("post", f"/api/v1/cases/{cid}/actions/evaluate", member, json={"rating": 9}, expect=400)
call("post", f"/api/v1/cases/{cid}/actions/evaluate", member, json={"rating": 5}, expect=200)
call("get", f"/api/v1/cases/{cid}", member, expect=200)
call("get", f"/api/v1/cases/{cid}/events", member, expect=200)
call("get", "/api/v1/cases/999999", member, expect=404)
call("get", "/api/v1/indicators?node=320602011003", staff, expect=200)
call("get", "/api/v1/indicators?node=320602011003", member, expect=403)
call("get", "/api/v1/notifications", prop, expect=200)
call("post", "/api/v1/notifications/999999/read", prop, expect=404)
rule = call("post", "/api/v1/routing-rules", staff, json={"category": "noise", "node": "320602011003", "handler": "grid_head"}, expect=201).json()
call("get", "/api/v1/routing-rules", staff, expect=200)
call("delete", f"/api/v1/routing-rules/{rule['id']}", staff, expect=204)
call("post", f"/api/v1/channels/{B98}/messages", member, json={"text": "3单元楼道灯又坏了"}, expect=201)
call("get", f"/api/v1/channels/{B98}/messages", expect=200)
call("post", f"/api/v1/channels/{B98}/messages", json={"text": "x"}, expect=401)
call("post", "/api/v1/robots", staff, json={"kind": "wecom", "name": "越江社区群", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "node": "320602011003"}, expect=201)
call("get", "/api/v1/robots", staff, expect=200)
call("get", "/api/v1/wecom/bindings", staff, expect=200)
# Publishing a grid worker's work phone: on by default, withdrawn and given
# again by the community's staff; the directory follows at once.
mid = call("get", f"/api/v1/directory?building={B98}", expect=200).json()["micro_grid_members"][0]["id"]
call("get", f"/api/v1/people/{mid}/phone-publicity", staff, expect=200)
call("post", f"/api/v1/people/{mid}/phone-publicity", staff, json={"published": False, "note": "本人电话告知撤回"}, expect=200)
assert call("get", f"/api/v1/directory?building={B98}", expect=200).json()["micro_grid_members"][0]["phone_published"] is False
call("post", f"/api/v1/people/{mid}/phone-publicity", staff, json={"published": "no"}, expect=400)
call("post", f"/api/v1/people/{mid}/phone-publicity", prop, json={"published": True}, expect=403)
call("post", f"/api/v1/people/{mid}/phone-publicity", member, json={"published": True}, expect=200)
call("get", "/api/v1/people/999999/phone-publicity", staff, expect=404)
call("delete", "/api/v1/auth/token", member, expect=204)
call("get", "/api/v1/me", member, expect=401)
print(f"openapi checks passed: {checks}")
