#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/command_reply.h"

namespace meshx::mesh {
class ServiceMesh;
}

namespace meshx::node {

class Node;

// The `meshx node` language: one line, one verb, on a started Node.
//
//   connect NODE        list        disconnect NODE
//   rpc NODE MOD FUN [ARGS]         spawn NODE MOD FUN [ARGS]
//   services            help        quit
//
// ARGS is the rest of the line, an Erlang list in Erlang syntax (`[1, "two", {three}]`; default
// `[]`). `services` shows what the mesh engine holds: the services it owns and the upstreams on
// our node service's sidecar. Each line gives a reply as JSON ({"ok":true,...} or
// {"ok":false,"error":"remote_error","message":"..."}, like `meshx shell --json`) and in words
// for a terminal; an empty line gives none (null JSON). Results are terms printed in Erlang
// syntax. The cookie is never part of a reply.
//
// Any thread, one line at a time; blocks as long as the Node call it makes.
class NodeInterpreter {
  public:
    using Reply = CommandReply;

    // `mesh` may be null (then `services` is InvalidState). Both must outlive the interpreter.
    NodeInterpreter(Node& node, mesh::ServiceMesh* mesh);

    Reply execute(std::string_view line);

    static constexpr const char* kHelp =
        "connect NODE\n"
        "list\n"
        "rpc NODE MOD FUN [ARGS]\n"
        "spawn NODE MOD FUN [ARGS]\n"
        "disconnect NODE\n"
        "services\n"
        "help\n"
        "quit";

  private:
    Node& node_;
    mesh::ServiceMesh* mesh_;
};

}  // namespace meshx::node
