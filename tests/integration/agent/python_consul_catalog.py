# Drives the dev agent's cluster catalog with python-consul2 (Debian's python3-consul2): other
# nodes and a second datacenter through /v1/catalog/register, ?dc=, the KV recurse+cas
# refusal and node maintenance. Run with /usr/bin/python3 HOST PORT; prints OK on success.
import sys

import consul

host, port = sys.argv[1], int(sys.argv[2])
c = consul.Consul(host=host, port=port)

# python-consul2 sends lower-case keys ({"node":..., "address":..., "service":...}).
assert c.catalog.register(
    "py-node", "10.9.0.1",
    service={"Service": "pyweb", "ID": "pyweb-1", "Port": 8080, "Tags": ["x"]},
    check={"CheckID": "pyweb-alive", "Name": "alive", "Status": "passing",
           "ServiceID": "pyweb-1"})
assert c.catalog.register("py-far", "10.9.1.1", service={"Service": "pyweb", "Port": 8081},
                          dc="dc9")
assert c.catalog.datacenters() == ["dc1", "dc9"], c.catalog.datacenters()

index, nodes = c.catalog.nodes()
assert [n["Node"] for n in nodes] == ["py-node", "test-node"], nodes
index, nodes = c.catalog.nodes(dc="dc9")
assert [n["Node"] for n in nodes] == ["py-far"], nodes
assert nodes[0]["Datacenter"] == "dc9", nodes

index, entries = c.catalog.service("pyweb")
assert [(e["Node"], e["ServiceID"]) for e in entries] == [("py-node", "pyweb-1")], entries
index, entries = c.catalog.service("pyweb", dc="dc9")
assert [(e["Node"], e["ServiceID"], e["Datacenter"]) for e in entries] == [
    ("py-far", "pyweb", "dc9")], entries

index, healthy = c.health.service("pyweb", passing=True)
assert [h["Node"]["Node"] for h in healthy] == ["py-node"], healthy
assert [ch["CheckID"] for ch in healthy[0]["Checks"]] == ["pyweb-alive"], healthy
index, checks = c.health.node("py-node")
assert [ch["CheckID"] for ch in checks] == ["pyweb-alive"], checks

# Agent endpoints stay local.
assert "pyweb-1" not in c.agent.services()

# An unknown datacenter is Consul's 500.
try:
    c.catalog.nodes(dc="nowhere")
    raise AssertionError("dc=nowhere answered")
except consul.ConsulException as e:
    assert "No path to datacenter" in str(e), e

# DELETE ?recurse&cas is refused and deletes nothing.
assert c.kv.put("py/a", "1")
assert c.kv.put("py/b", "2")
index, entry = c.kv.get("py/a")
try:
    c.kv.delete("py/", recurse=True, cas=entry["ModifyIndex"])
    raise AssertionError("recurse+cas answered")
except consul.base.BadRequest as e:
    assert "Conflicting flags" in str(e), e
index, keys = c.kv.get("py/", keys=True)
assert keys == ["py/a", "py/b"], keys
assert c.kv.delete("py/", recurse=True)

# Node maintenance.
assert c.agent.maintenance("true", "py reason")
index, checks = c.health.node("test-node")
maint = [ch for ch in checks if ch["CheckID"] == "_node_maintenance"]
assert len(maint) == 1 and maint[0]["Notes"] == "py reason", checks
assert c.agent.maintenance("false")
index, checks = c.health.node("test-node")
assert "_node_maintenance" not in [ch["CheckID"] for ch in checks], checks

assert c.catalog.deregister("py-node", service_id="pyweb-1")
index, entries = c.catalog.service("pyweb")
assert entries == [], entries
assert c.catalog.deregister("py-far", dc="dc9")
index, nodes = c.catalog.nodes(dc="dc9")
assert nodes == [], nodes
print("OK")
