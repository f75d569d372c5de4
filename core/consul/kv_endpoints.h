#pragma once

#include <optional>
#include <string>
#include <vector>

#include "consul/call.h"
#include "consul/kv_types.h"

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

// DELETE /kv/:key[?recurse] (in datacenter `dc` when not empty)
Call<void> kvDelete(const std::string& key, bool recurse = false, const std::string& dc = {});

// GET /kv/:prefix?recurse : every entry under a prefix with its indexes, values decoded from
// base64 ([] when none; a 404 is an answer here). Blocks by index. `dc` when not empty.
Call<Indexed<std::vector<KvEntry>>> kvList(const std::string& prefix, const std::string& dc = {},
                                           const Blocking& blocking = {});

// GET /kv/:key : one entry with its indexes, or nullopt when the key does not exist.
Call<Indexed<std::optional<KvEntry>>> kvEntry(const std::string& key, const std::string& dc = {});

// PUT /kv/:key?cas=N : writes only when the key's ModifyIndex is still `cas` (0: only when the
// key does not exist yet). Answers false when someone else wrote in between.
Call<bool> kvPutCas(const std::string& key, std::string value, uint64_t cas,
                    const std::string& dc = {});

// DELETE /kv/:key?cas=N : deletes only when the ModifyIndex is still `cas`; false otherwise.
Call<bool> kvDeleteCas(const std::string& key, uint64_t cas, const std::string& dc = {});

}  // namespace meshx::consul::endpoints
