#pragma once

// The live-tap protocol every Meshx process serves (docs/taps.md describes it for clients):
// HTTP/1.1 streaming of JSON lines, one object per line, chunked transfer encoding.

namespace meshx::telemetry {

// Version of the line schema, sent in the `hello` line and by /v1/tap/info. Bumped when a field
// changes meaning or disappears (new fields do not bump it).
inline constexpr int kTapSchemaVersion = 1;

// The registration `Meta` key under which a service advertises its process's tap, as an
// address: `tcp://127.0.0.1:PORT` or `unix:///path`.
inline constexpr const char* kTapMetaKey = "meshx-tap";

inline constexpr const char* kTapStreamPath = "/v1/tap";
inline constexpr const char* kTapInfoPath = "/v1/tap/info";
inline constexpr const char* kTapContentType = "application/x-ndjson";
// The header a subscriber sends its ACL token in, as with the agent.
inline constexpr const char* kTapTokenHeader = "X-Consul-Token";

// Environment: where a process's tap listens (`tcp://127.0.0.1:0` by default, `HOST:PORT`,
// `unix:///path`, or `off`), and whether subscribers must present the process's own
// CONSUL_HTTP_TOKEN.
inline constexpr const char* kTapListenEnv = "MESHX_TAP_LISTEN";
inline constexpr const char* kTapTokenRequiredEnv = "MESHX_TAP_TOKEN_REQUIRED";

}  // namespace meshx::telemetry
