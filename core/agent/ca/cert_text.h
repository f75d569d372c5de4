#pragma once

// Text forms Consul uses for certificate data. Pure functions, any thread.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace meshx::agent {

// Lowercase hex bytes joined by ':' ("15:bf:3a"), as Consul prints root IDs, signing key IDs and
// leaf serial numbers. Empty input gives "".
std::string colonHex(std::span<const std::uint8_t> bytes);

// Big-endian bytes of `value` without leading zero bytes (at least one byte): the serial number
// bytes Consul prints with colonHex (8 → "08", 0x1154b → "01:15:4b").
std::string serialColonHex(std::uint64_t value);

// RFC 3339 in UTC with whole seconds, as Go prints certificate times: "2018-05-21T16:33:28Z".
std::string formatRfc3339(std::chrono::system_clock::time_point t);

// Parses what formatRfc3339 prints (a 'Z' suffix, optional fractional seconds); nullopt else.
std::optional<std::chrono::system_clock::time_point> parseRfc3339(std::string_view text);

}  // namespace meshx::agent
