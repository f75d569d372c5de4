#pragma once

#include <optional>
#include <string>
#include <vector>

#include "consul/call.h"

// Typed calls of the KV store (the console shows it). Keys keep their '/' hierarchy.
// The functions only build a Call (no I/O): any thread.
namespace meshx::consul::endpoints {

// GET /kv/:key?raw : the value's bytes, or nullopt when the key does not exist (a 404 is an
// answer here). Blocks by index.
Call<Indexed<std::optional<std::string>>> kvGet(const std::string& key,
                                                const Blocking& blocking = {});

// GET /kv/:prefix?keys : the keys under a prefix ([] when none).
Call<Indexed<std::vector<std::string>>> kvKeys(const std::string& prefix,
                                               const Blocking& blocking = {});

// PUT /kv/:key with the raw value; Consul answers true, or false when a condition failed.
Call<bool> kvPut(const std::string& key, std::string value);

// DELETE /kv/:key[?recurse]
Call<void> kvDelete(const std::string& key, bool recurse = false);

}  // namespace meshx::consul::endpoints
