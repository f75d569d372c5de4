#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "mesh/service_params.h"
#include "mesh/service_template.h"
#include "net/address.h"

namespace meshx::mesh {

// What a start will do, rendered and validated before anything is sent: the registration the
// agent will get, the TTL check the worker will keep alive, the sidecar command that will run.
// ServiceMesh::plan() makes one; ServiceMesh::start() executes one, rendering it again with the
// port it claims (the one render path: renderStartPlan()).
struct StartPlan {
    struct Ttl {
        std::string checkId;
        std::string status;
        int intervalMs = 0;
    };

    ServiceParams params;  // as asked
    ServiceTemplate tmpl;  // as asked
    // Where the service listens. A sample (the first port of the range) when `sampleAddress`:
    // start claims a free port then, and the plan's registration shows the sample.
    net::Address address;
    bool sampleAddress = false;
    std::string serviceId;
    std::string serviceName;
    nlohmann::json registration;     // the body of PUT /agent/service/register
    std::optional<Ttl> ttl;          // nullopt: no TTL worker
    std::vector<std::string> proxy;  // rendered argv; empty: no sidecar process
};

// Renders `tmpl` against the params' hash with `address` as its {{address}} and {{$port$}},
// and checks what start checks: a registration with a Name, a service name and id the agent's
// URLs and SPIFFE IDs can carry, a TTL status the worker knows, a proxy argv that renders.
// InvalidArgument (or the renderer's MissingKey/TemplateError) naming what is wrong.
// Pure: no I/O, any thread.
Result<StartPlan> renderStartPlan(const ServiceParams& params, const ServiceTemplate& tmpl,
                                  const net::Address& address, bool sampleAddress);

// The address the params ask for ("address" and "port" in the hash), if they ask for one.
std::optional<net::Address> requestedAddress(const ServiceParams& params);

}  // namespace meshx::mesh
