#pragma once

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

}  // namespace meshx::agent
