"""Checks linli's Open311 GeoReport v2 endpoint with a third-party client
(`georeport` from PyPI) and validates every JSON response against the JSON
Schemas in ./schemas (equivalents of open311/schema-validation).

Run by tests/api/open311.rs against a server it started:
    LINLI_URL=http://127.0.0.1:PORT LINLI_API_KEY=... LINLI_BUILDING=... python check_open311.py
"""

import json
import os
import pathlib
import sys
import xml.etree.ElementTree as ET
from datetime import datetime

import georeport
import jsonschema
import requests
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

BASE = os.environ["LINLI_URL"].rstrip("/") + "/open311/v2"
KEY = os.environ["LINLI_API_KEY"]
BUILDING = os.environ["LINLI_BUILDING"]
SCHEMAS = pathlib.Path(__file__).parent / "schemas"

registry = Registry().with_resources(
    (p.name, Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT7))
    for p in SCHEMAS.glob("*.json")
)
checks = 0


def validate(name, instance):
    global checks
    schema = json.loads((SCHEMAS / name).read_text())
    validator = jsonschema.Draft7Validator(schema, registry=registry, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(instance), key=str)
    if errors:
        raise AssertionError(f"{name}: {errors[0].message} at {list(errors[0].absolute_path)}\n{json.dumps(instance, ensure_ascii=False)[:2000]}")
    checks += 1


def check(condition, message):
    global checks
    if not condition:
        raise AssertionError(message)
    checks += 1


def w3c(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


# The date-time format must really be checked, or the schemas prove little.
try:
    validate("request.json", {"service_request_id": "1", "status": "open", "service_code": "x", "requested_datetime": "yesterday"})
    raise SystemExit("the date-time format checker is not active: install rfc3339-validator")
except AssertionError:
    pass

# Discovery, both formats.
r = requests.get(f"{BASE}/discovery.json")
check(r.status_code == 200 and r.headers["content-type"].startswith("application/json"), f"discovery.json: {r.status_code}")
validate("discovery.json", r.json())
r = requests.get(f"{BASE}/discovery.xml")
check(r.headers["content-type"].startswith("text/xml") and ET.fromstring(r.content).tag == "discovery", "discovery.xml")

# The georeport client, JSON mode.
client = georeport.GeoReport(BASE, output_format="json")
services = client.get_service_list()
validate("services.json", services)
check(len(services) == 21 and any(s["service_code"] == "lighting" and s["service_name"] == "照明设施" for s in services), "21 services with lighting")
definition = client.get_service_definition("lighting")
validate("service-definition.json", definition)
check({a["code"] for a in definition["attributes"]} >= {"unit", "room", "urgent"}, "attributes unit, room, urgent")

# POST a report (georeport cannot create requests: plain form POSTs, as FixMyStreet sends them).
form = {
    "api_key": KEY,
    "service_code": "lighting",
    "address_id": BUILDING,
    "attribute[unit]": "3",
    "description": "98栋三单元的楼道灯不亮 联系电话13912345678",
    "first_name": "志强",
    "last_name": "周",
}
r = requests.post(f"{BASE}/requests.json", data=form)
check(r.status_code == 200, f"POST requests.json: {r.status_code} {r.text}")
validate("post-response.json", r.json())
request_id = r.json()[0]["service_request_id"]

r = requests.post(f"{BASE}/requests.xml", data={**form, "description": "31号楼楼顶电视信号接收锅摇摇欲坠", "attribute[urgent]": "true", "service_code": "building_safety"})
root = ET.fromstring(r.content)
check(root.tag == "service_requests" and root.find("request/service_request_id").text.isdigit(), f"POST requests.xml: {r.text}")

one = client.get_service_request(request_id)
validate("request.json", one)
check(one["agency_responsible"] == "南通越江物业服务有限公司", f"agency_responsible: {one['agency_responsible']}")
check((w3c(one["expected_datetime"]) - w3c(one["requested_datetime"])).total_seconds() == 24 * 3600, "lighting is due in 24 h")
check("13912345678" not in one["description"] and "139****5678" in one["description"], "phones in descriptions are masked")
check(one["address_id"] == BUILDING and one["status"] == "open", "address_id and status")

listed = client.get_service_requests()
validate("requests.json", listed)
check(any(x["service_request_id"] == request_id for x in listed), "the new request is listed")
check(all(x["service_code"] == "lighting" for x in client.get_service_requests(service_code="lighting")), "service_code filter")
check(client.get_service_requests(status="closed") == [] or all(x["status"] == "closed" for x in client.get_service_requests(status="closed")), "status filter")
by_id = client.get_service_requests(service_request_id=request_id)
check([x["service_request_id"] for x in by_id] == [request_id], "service_request_id overrides the rest")

# The georeport client, XML mode.
xml_client = georeport.GeoReport(BASE, output_format="xml")
xml_services = xml_client.get_service_list()
check(isinstance(xml_services, list) and len(xml_services) == 21, "XML service list")
xml_one = xml_client.get_service_request(request_id)
check(xml_one["service_request_id"] == request_id and xml_one["agency_responsible"] == one["agency_responsible"], "XML request")
check(xml_client.get_service_definition("lighting")["service_code"] == "lighting", "XML service definition")

# Tokens.
r = requests.get(f"{BASE}/tokens/{request_id}.json")
validate("tokens.json", r.json())

# Errors carry the spec's statuses and shape.
for method, url, data, status in [
    ("post", f"{BASE}/requests.json", {k: v for k, v in form.items() if k != "api_key"}, 403),
    ("post", f"{BASE}/requests.json", {**form, "api_key": "wrong"}, 403),
    ("post", f"{BASE}/requests.json", {**form, "service_code": "ufo"}, 404),
    ("post", f"{BASE}/requests.json", {k: v for k, v in form.items() if k != "address_id"}, 400),
    ("get", f"{BASE}/requests/999999999.json", None, 404),
    ("get", f"{BASE}/services/ufo.json", None, 404),
    ("get", f"{BASE}/requests.json?start_date=2024-01-01T00:00:00Z&end_date=2024-06-01T00:00:00Z", None, 400),
]:
    r = requests.request(method, url, data=data)
    check(r.status_code == status, f"{method} {url}: {r.status_code}, wanted {status}: {r.text}")
    validate("errors.json", r.json())
    check(r.json()[0]["code"] == status, "error code matches the status")
r = requests.post(f"{BASE}/requests.xml", data={"service_code": "lighting"})
check(r.status_code == 403 and ET.fromstring(r.content).find("error/code").text == "403", "XML errors")
try:
    client.get_service_request("999999999")
    raise AssertionError("georeport should raise on 404")
except requests.exceptions.HTTPError as e:
    check(e.response.status_code == 404, "georeport sees the 404")

# mySociety servicerequestupdates.
update = {"api_key": KEY, "service_request_id": request_id, "update_id": "fms-77", "status": "OPEN",
          "updated_datetime": "2024-06-04T10:00:00Z", "description": "居民补充：灯泡有焦味"}
r = requests.post(f"{BASE}/servicerequestupdates.json", data=update)
check(r.status_code == 200 and r.json()[0]["update_id"], f"POST servicerequestupdates: {r.status_code} {r.text}")
r = requests.get(f"{BASE}/servicerequestupdates.json")
validate("updates.json", r.json())
check(any(u["service_request_id"] == request_id and "焦味" in u["description"] for u in r.json()), "the update is in the feed")
r = requests.post(f"{BASE}/servicerequestupdates.json", data={**update, "status": "open"})
check(r.status_code == 400, "statuses are upper case on POST")
r = requests.get(f"{BASE}/servicerequestupdates.xml")
check(ET.fromstring(r.content).tag == "service_request_updates", "updates XML")

print(f"open311 checks passed: {checks}")
