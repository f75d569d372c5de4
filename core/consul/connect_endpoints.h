#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "consul/call.h"
#include "consul/connect_types.h"

// Typed calls of the Connect endpoints (reference §4).
// The functions only build a Call (no I/O): any thread.
namespace meshx::consul::endpoints {

// GET /agent/connect/ca/roots (blocks by index).
Call<Indexed<CaRoots>> caRoots(const Blocking& blocking = {});

// GET /agent/connect/ca/leaf/:service (blocks by index; returns early when a new cert is due).
Call<Indexed<LeafCert>> caLeaf(const std::string& service, const Blocking& blocking = {});

// POST /agent/connect/authorize. Denied is a 200 with authorized = false, not an error.
Call<AuthorizeResult> authorize(const std::string& target, const std::string& clientCertUri,
                                const std::string& clientCertSerial = {});

// GET /connect/intentions[?filter=...] (blocks by index).
Call<Indexed<std::vector<Intention>>> intentions(const std::string& filter = {},
                                                 const Blocking& blocking = {});

// GET /connect/intentions/exact?source=&destination= : NotFound when there is none.
Call<Intention> intentionExact(const std::string& source, const std::string& destination);

// PUT /connect/intentions/exact?source=&destination= with e.g. {"Action":"allow"}: creates or
// replaces the source -> destination intention.
Call<void> upsertIntention(const std::string& source, const std::string& destination,
                           const nlohmann::json& body);

// DELETE /connect/intentions/exact?source=&destination=
Call<void> deleteIntention(const std::string& source, const std::string& destination);

enum class MatchBy { Source, Destination };

// GET /connect/intentions/match?by=&name= : name -> intentions in evaluation order.
Call<Indexed<std::map<std::string, std::vector<Intention>>>> intentionMatch(
    MatchBy by, const std::string& name, const Blocking& blocking = {});

}  // namespace meshx::consul::endpoints
