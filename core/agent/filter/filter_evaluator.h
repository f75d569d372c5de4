#pragma once

#include <nlohmann/json_fwd.hpp>

#include "agent/filter/filter_ast.h"
#include "common/result.h"

namespace meshx::agent::detail {

// Evaluates a validated tree against one element (a JSON object shaped like the schema whose
// root field is `root`).
//
// Semantics, after go-bexpr v0.1:
// - and/or short-circuit left to right; not negates.
// - A selector through a list of objects (Checks.Status) is true when the match holds for any
//   item; an empty or absent list makes every such match false, whatever the operator.
// - A missing map key (Meta.env on a service without "env"), an absent or null object
//   (Proxy.DestinationServiceName on a typical service) count as "not present":
//   ==, in, is not empty, matches are false; !=, not in, is empty, not matches are true.
//   (go-bexpr fails evaluation on an absent object; the reference lets the dev agent do this.)
// - An absent or null scalar, list or map field is its Go zero value ("", 0, false, empty), as
//   Consul's structs omit zero values from JSON (`Kind` of a typical service is "").
// An element whose JSON type contradicts the schema fails with Code::Internal.
// Pure function, any thread.
Result<bool> evaluateFilter(const FilterNode& node, const nlohmann::json& element,
                            const FilterField& root);

}  // namespace meshx::agent::detail
