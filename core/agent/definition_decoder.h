#pragma once

#include "agent/agent_records.h"
#include "agent/go_json_decoder.h"
#include "agent/service_definition.h"

namespace meshx::agent {

// Decoders for request bodies with Consul's field names, snake_case aliases, case-insensitive
// keys and unknown-field rejection. They throw DecodeError (module-internal); routes turn it into
// 400 `Request decode failed: ...`. Any thread.

// PUT /agent/service/register (structs.ServiceDefinition).
ServiceDefinition decodeServiceDefinition(const IJson& body);

// PUT /agent/check/register (structs.CheckDefinition): `ID` (not `CheckID`) names the check.
CheckType decodeCheckDefinition(const IJson& body);

// PUT /catalog/register (structs.RegisterRequest with its NodeService and HealthChecks).
// Consul decodes this body without rejecting unknown fields, so keys it has no field for are
// skipped here too (inside Service.Proxy and Service.Connect unknown keys are still refused).
CatalogRegistration decodeCatalogRegistration(const IJson& body);

// PUT /catalog/deregister (structs.DeregisterRequest); unknown fields skipped.
CatalogDeregistration decodeCatalogDeregistration(const IJson& body);

}  // namespace meshx::agent
