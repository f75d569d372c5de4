# Drives the dev agent with python-consul2 (Debian's python3-consul2): a client nobody here
# wrote. Run with /usr/bin/python3 HOST PORT; prints OK on success, raises otherwise.
import sys

import consul

host, port = sys.argv[1], int(sys.argv[2])
c = consul.Consul(host=host, port=port)

assert c.agent.self()["Config"]["NodeName"] == "test-node"

# Register with a TTL check: python-consul2 sends lower-case keys ({"name":..., "check":{"ttl":...}}).
assert c.agent.service.register("pysvc", service_id="pysvc-1", port=8080, tags=["py"],
                                check=consul.Check.ttl("10s"))
checks = c.agent.checks()
assert "service:pysvc-1" in checks, checks
assert checks["service:pysvc-1"]["Status"] == "critical", checks

# New checks start critical: not in the passing set yet.
index, nodes = c.health.service("pysvc", passing=True)
assert nodes == [], nodes

assert c.agent.check.ttl_pass("service:pysvc-1", notes="ok from python")
index2, nodes = c.health.service("pysvc", passing=True)
assert len(nodes) == 1, nodes
assert nodes[0]["Service"]["ID"] == "pysvc-1", nodes
assert nodes[0]["Service"]["Tags"] == ["py"], nodes
assert [ch["Output"] for ch in nodes[0]["Checks"] if ch["CheckID"] == "service:pysvc-1"] == ["ok from python"]
assert int(index2) > int(index)

# A check registered on its own, then warn and fail.
assert c.agent.check.register("extra", check=consul.Check.ttl("1m"), check_id="extra-1",
                              service_id="pysvc-1")
assert c.agent.check.ttl_warn("extra-1")
index3, checks = c.health.checks("pysvc")
assert {ch["CheckID"]: ch["Status"] for ch in checks} == {
    "service:pysvc-1": "passing", "extra-1": "warning"}, checks
assert c.agent.check.ttl_fail("service:pysvc-1", notes="down")
index4, nodes = c.health.service("pysvc", passing=True)
assert nodes == [], nodes

# A blocking query that times out keeps the index.
index5, _ = c.health.service("pysvc", index=index4, wait="1s")
assert index5 == index4, (index4, index5)

assert c.agent.check.deregister("extra-1")
assert c.agent.service.deregister("pysvc-1")
assert "pysvc-1" not in c.agent.services()
index6, services = c.catalog.services()
assert "pysvc" not in services and "consul" in services, services
print("OK")
