#include "agent/registration_validator.h"

#include <set>

#include "agent/agent_records.h"

namespace meshx::agent {

namespace {

Error badRequest(std::string message) {
    return makeError(Code::InvalidArgument, std::move(message));
}

bool isIpAny(const std::string& address) {
    return address == "0.0.0.0" || address == "::" || address == "[::]" ||
           address == "0:0:0:0:0:0:0:0";
}

bool validMetaKeyChars(const std::string& key) {
    for (char c : key) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::string metaPairProblem(const std::string& key, const std::string& value) {
    if (key.empty()) {
        return "Key cannot be blank";
    }
    if (!validMetaKeyChars(key)) {
        return "Key contains invalid characters";
    }
    if (key.size() > 128) {
        return "Key is too long (limit: 128 characters)";
    }
    if (key.rfind("consul-", 0) == 0) {
        return "Key prefix 'consul-' is reserved for internal use";
    }
    if (value.size() > 512) {
        return "Value is too long (limit: 512 characters)";
    }
    return "";
}

std::string upstreamAddress(const Upstream& u) {
    if (!u.localBindSocketPath.empty()) {
        return u.localBindSocketPath;
    }
    const std::string host = u.localBindAddress.empty() ? "127.0.0.1" : u.localBindAddress;
    return host + ":" + std::to_string(u.localBindPort);
}

// NodeService.Validate(): connect-proxy rules and nested sidecar rules, collected.
std::vector<std::string> nodeServiceProblems(const ServiceDefinition& def) {
    std::vector<std::string> errors;
    if (def.kind == "connect-proxy") {
        const ProxyConfig proxy = def.proxy.value_or(ProxyConfig{});
        std::string trimmed = proxy.destinationServiceName;
        trimmed.erase(0, trimmed.find_first_not_of(" \t\r\n"));
        if (trimmed.empty()) {
            errors.push_back(
                "Proxy.DestinationServiceName must be non-empty for Connect proxy services");
        }
        if (proxy.destinationServiceName == "*") {
            errors.push_back(
                "Proxy.DestinationServiceName must not be a wildcard for Connect proxy services");
        }
        if (def.port == 0 && def.socketPath.empty()) {
            errors.push_back("Port or SocketPath must be set for a connect-proxy");
        }
        if (def.connectNative) {
            errors.push_back("A Proxy cannot also be Connect Native, only typical services");
        }
        std::set<std::string> bindAddrs;
        std::set<std::string> destinations;
        for (const Upstream& u : proxy.upstreams) {
            if (u.destinationName.empty()) {
                errors.push_back("upstream destination name cannot be empty");
                continue;
            }
            if (u.destinationName == "*" && !u.centrallyConfigured) {
                errors.push_back("upstream destination name cannot be a wildcard");
                continue;
            }
            if (u.localBindPort == 0 && u.localBindSocketPath.empty() && !u.centrallyConfigured) {
                errors.push_back(
                    "upstream local bind port or local socket path must be defined and nonzero");
                continue;
            }
            const std::string addr = upstreamAddress(u);
            if (!bindAddrs.insert(addr).second) {
                errors.push_back(
                    "upstreams cannot contain duplicates by local bind address and port or unix "
                    "path; \"" +
                    addr + "\" is specified twice");
                continue;
            }
            const std::string type = u.destinationType.empty() ? "service" : u.destinationType;
            const std::string dest =
                type + ":" + (u.datacenter.empty() ? "" : u.datacenter + "/") + u.destinationName;
            if (!destinations.insert(dest).second) {
                errors.push_back("upstreams cannot contain duplicates of " + dest);
            }
        }
    }
    if (def.sidecarService) {
        if (def.sidecarService->sidecarService) {
            errors.push_back("A SidecarService cannot have a nested SidecarService");
        }
    }
    return errors;
}

Status validateChecks(const std::vector<CheckType>& checks, const std::string& prefix) {
    for (const CheckType& c : checks) {
        if (std::string problem = checkTypeProblem(c); !problem.empty()) {
            return badRequest(prefix + problem);
        }
    }
    for (const CheckType& c : checks) {
        if (!c.status.empty() && !isValidCheckStatus(c.status)) {
            return badRequest("Status for checks must 'passing', 'warning', 'critical'");
        }
    }
    return {};
}

}  // namespace

std::string multiErrorText(const std::vector<std::string>& errors) {
    std::string out = errors.size() == 1 ? "1 error occurred:\n"
                                         : std::to_string(errors.size()) + " errors occurred:\n";
    for (const auto& e : errors) {
        out += "\t* " + e + "\n";
    }
    return out + "\n";
}

std::string checkTypeProblem(const CheckType& c) {
    const bool intervalCheck = c.isScript() || !c.http.empty() || !c.tcp.empty() ||
                               !c.udp.empty() || !c.grpc.empty() || !c.h2ping.empty() ||
                               !c.osService.empty();
    if (c.interval.count() > 0 && c.ttl.count() > 0) {
        return "Interval and TTL cannot both be specified";
    }
    if (intervalCheck && c.interval.count() <= 0) {
        return "Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks";
    }
    if (c.isAlias()) {
        if (c.ttl.count() > 0) {
            return "TTL must be not be set for Alias checks";
        }
        if (c.interval.count() > 0) {
            return "Interval must not be set for Alias checks";
        }
    }
    if (c.outputMaxSize < 0) {
        return "MaxOutputMaxSize must be positive";
    }
    return "";
}

Status validateServiceDefinition(const ServiceDefinition& def) {
    if (def.name.empty()) {
        return badRequest("Missing service name");
    }
    if (isIpAny(def.address)) {
        return badRequest("Invalid service address");
    }
    if (def.weights) {
        if (def.weights->passing < 1) {
            return badRequest("Invalid Weights: Passing must be greater than 0");
        }
        if (def.weights->warning < 0) {
            return badRequest("Invalid Weights: Warning must be greater or equal than 0");
        }
    }
    if (def.meta) {
        if (def.meta->size() > 64) {
            return badRequest(
                "Invalid Service Meta: Node metadata cannot contain more than 64 key/value pairs");
        }
        for (const auto& [key, value] : *def.meta) {
            if (std::string problem = metaPairProblem(key, value); !problem.empty()) {
                return badRequest("Invalid Service Meta: Couldn't load metadata pair ('" + key +
                                  "', '" + value + "'): " + problem);
            }
        }
    }
    if (auto problems = nodeServiceProblems(def); !problems.empty()) {
        return badRequest("Validation failed: " + multiErrorText(problems));
    }
    if (auto s = validateChecks(def.checks, "Invalid check: "); !s) {
        return s;
    }
    if (def.sidecarService) {
        if (auto s =
                validateChecks(def.sidecarService->checks, "Invalid check in sidecar_service: ");
            !s) {
            return s;
        }
    }
    return {};
}

Status validateExpandedSidecar(const ServiceDefinition& sidecar) {
    if (auto problems = nodeServiceProblems(sidecar); !problems.empty()) {
        return badRequest("Failed Validation: " + multiErrorText(problems));
    }
    return {};
}

Status validateCheckDefinition(const CheckType& def) {
    if (def.name.empty()) {
        return badRequest("Missing check name");
    }
    if (!def.status.empty() && !isValidCheckStatus(def.status)) {
        return badRequest("Bad check status");
    }
    if (std::string problem = checkTypeProblem(def); !problem.empty()) {
        return badRequest("Invalid check: " + problem);
    }
    return {};
}

}  // namespace meshx::agent
