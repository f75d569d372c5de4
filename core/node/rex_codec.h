#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "node/local_pid.h"
#include "node/term.h"

namespace meshx::node {

// The messages of an rpc through the peer's `rex` server, the way hidden C nodes call it
// (what ei_rpc sends; rex answers C nodes specially):
//
//   request, sent to the registered name `rex`:  {ReplyTo, {call, Module, Function, Args, user}}
//   reply, sent to ReplyTo:                       {rex, Result}  |  {rex, {badrpc, Reason}}
//
// `user` as group leader sends the callee's io to the peer's own console: a C node has no
// process to serve io requests. ReplyTo is a fresh pid per call (LocalPid), so several calls
// can be in flight on one connection and a late reply after a timeout is recognised and
// dropped. Pure; any thread.
class RexCodec {
  public:
    // InvalidArgument if module or function is not an atom name (empty, over 255 characters)
    // or args is not a proper list.
    static Result<std::string> encodeCall(const LocalPid& replyTo, std::string_view module,
                                          std::string_view function, const Term& args);

    // The argument list of erlang:spawn/3: [Module, Function, Args].
    static Result<Term> spawnArgs(std::string_view module, std::string_view function,
                                  const Term& args);

    // {rex, Result} -> Result (printing with `node` as home); {rex, {badrpc, Reason}} -> a
    // remote exception (see node_error.h); anything else is a ProtocolError.
    static Result<Term> decodeReply(std::string_view external, const std::string& node);
};

}  // namespace meshx::node
