#pragma once

#include <string>
#include <vector>

#include "agent/service_definition.h"
#include "common/result.h"

namespace meshx::agent {

// Consul's validation of registrations, in its order and with its texts (§1.6, §2.5). Errors are
// InvalidArgument (400) unless noted. Pure; any thread.

// Service register: name, address, weights, meta, NodeService.Validate, checks (and the
// sidecar's checks). `def.id` must already default to the name.
Status validateServiceDefinition(const ServiceDefinition& def);

// The expanded sidecar (`Failed Validation: ...`).
Status validateExpandedSidecar(const ServiceDefinition& sidecar);

// One check's CheckType.Validate() reason, or "" when valid.
std::string checkTypeProblem(const CheckType& check);

// Check register: `Missing check name`, `Bad check status`, `Invalid check: ...`.
Status validateCheckDefinition(const CheckType& def);

// go-multierror's text: "1 error occurred:\n\t* msg\n\n".
std::string multiErrorText(const std::vector<std::string>& errors);

}  // namespace meshx::agent
