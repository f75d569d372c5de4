#pragma once

// Command-line options shared by `meshx rpc-serve`, `rpc-call` and `rpc-bench`: a small
// table-driven parser (`--name VALUE`, `--name=VALUE`, switches), the MeshxRpc options
// (docs/rpc-options.md) mapped onto RpcServerOptions / RpcClientOptions, and a telemetry tap that
// prints RPC events.

#include <atomic>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "rpc/rpc_options.h"

namespace meshx::telemetry {
class Subscription;
}

namespace meshx::cli {

struct CliOption {
    std::string name;       // without the leading dashes
    std::string valueName;  // empty: a switch
    std::string help;
};

// Parsed values by option name; a switch that was given maps to "1". A later repeat wins.
using CliValues = std::map<std::string, std::string>;

// Parses `args` against `spec`. Errors (InvalidArgument): unknown option, missing value, a
// positional word.
Result<CliValues> parseCli(const std::vector<std::string>& args,
                           const std::vector<CliOption>& spec);
// One line per option: "  --name VALUE   help".
std::string cliHelp(const std::vector<CliOption>& spec);

// The MeshxRpc options every command takes (block size, checksum, digest, serializer, shared key,
// refs, timeouts, nodelay, telemetry).
std::vector<CliOption> rpcCommonSpec();
// Server-only (timeout_execute, max connections) and client-only (pool and retry) options.
std::vector<CliOption> rpcServerSpec();
std::vector<CliOption> rpcClientSpec();
// Agent selection for the mesh variants (--agent, --embedded-agent).
std::vector<CliOption> meshSpec();
// A command's own options followed by those of each shared group, in order.
std::vector<CliOption> specWith(std::vector<CliOption> own,
                                std::initializer_list<std::vector<CliOption> (*)()> groups);
// Prints "meshx <command>: <message>" on stderr and returns 2, the bad-input exit code.
int cliUsageError(const char* command, const std::string& message);
// The start every rpc command shares: parses `args` against `spec` into `values`; --help prints
// `usage` and the option list. Returns the exit code when the command is already done (0 after
// --help, 2 on a bad option), or nothing when it should go on with `values`.
std::optional<int> parseCommandLine(const char* command, const char* usage,
                                    const std::vector<CliOption>& spec,
                                    const std::vector<std::string>& args, CliValues& values);

// Applies the values to options. The shared key comes from $MESHX_RPC_SHARED_KEY unless
// --shared-key is given (the environment keeps it out of `ps`). Errors: InvalidArgument naming
// the option (never echoing the shared key).
Status applyCommon(const CliValues& values, rpc::RpcCommonOptions& options);
Status applyServer(const CliValues& values, rpc::RpcServerOptions& options);
Status applyClient(const CliValues& values, rpc::RpcClientOptions& options);

// Number and duration readers for command options (errors name the option).
Result<uint64_t> cliNumber(const CliValues& values, const std::string& name, uint64_t fallback,
                           uint64_t min = 0, uint64_t max = UINT64_MAX);

// Starts this process's live telemetry tap from the environment (docs/taps.md: MESHX_TAP_LISTEN,
// loopback by default) and prints `==> meshx PROGRAM: telemetry tap at ADDR` on stderr. A tap
// that cannot start is reported and never stops the command. Call before the mesh registers the
// service, so the registration advertises it. Main thread.
void startProcessTap(const std::string& program);

// With --telemetry pretty|json, prints every RPC event of the process-wide bus on stderr (pretty:
// the dev-logger format; json: one object per line) from a thread of its own until stopped.
class TelemetryTap {
  public:
    // `mode` is "", "pretty" or "json" (validated by applyCommon).
    explicit TelemetryTap(const std::string& mode);
    ~TelemetryTap();
    // Prints what is still queued, then stops the thread. Idempotent.
    void stop();

  private:
    void flush();

    bool json_ = false;
    std::shared_ptr<telemetry::Subscription> sub_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace meshx::cli
