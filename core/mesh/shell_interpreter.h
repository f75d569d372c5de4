#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/command_reply.h"
#include "common/result.h"

namespace meshx {
struct MeshConfig;
}
namespace meshx::consul {
class ConsulApi;
}

namespace meshx::mesh {

class ServiceMesh;

// The `meshx shell` language: one line, one verb, mirroring MeshxConsul's API.
//
//   start NAME [ID] [--template T] [--force] [--timeout MS]   stop ID
//   connect NAME... [--proxy ID]       disconnect NAME... [--proxy ID] [--restart]
//   list    list-upstream [PROXY_ID]   info ID    proxy-info ID    proxy-restart ID
//   ttl-get ID    ttl-set ID STATUS    agent    help    quit
//
// Each line gives a reply: JSON ({"ok":true,...} or {"ok":false,"error":"service_not_owned",
// "message":"..."}) and the same in words for a terminal. Any thread (the mesh is thread-safe).
class ShellInterpreter {
  public:
    using Reply = CommandReply;

    // `config` names the templates `start --template` may use and the default start timeout; all
    // three must outlive the interpreter.
    ShellInterpreter(ServiceMesh& mesh, consul::ConsulApi& api, const MeshConfig& config);

    Reply execute(const std::string& line);

    // Splits a line into words; "double" and 'single' quotes group words. ParseError on an
    // unterminated quote.
    static Result<std::vector<std::string>> split(const std::string& line);

    static constexpr const char* kHelp =
        "start NAME [ID] [--template T] [--force] [--timeout MS]\n"
        "stop ID\n"
        "connect NAME... [--proxy ID]\n"
        "disconnect NAME... [--proxy ID] [--restart]\n"
        "list\n"
        "list-upstream [PROXY_ID]\n"
        "info ID\n"
        "proxy-info ID\n"
        "proxy-restart ID\n"
        "ttl-get ID\n"
        "ttl-set ID passing|warning|critical\n"
        "agent\n"
        "quit";

  private:
    ServiceMesh& mesh_;
    consul::ConsulApi& api_;
    const MeshConfig& config_;
};

}  // namespace meshx::mesh
