#include "common/command_reply.h"

namespace meshx {

CommandReply CommandReply::failure(const Error& error) {
    CommandReply r;
    r.json = {
        {"ok", false}, {"error", std::string(codeName(error.code))}, {"message", error.message}};
    r.text = "error: " + error.toString();
    return r;
}

CommandReply CommandReply::usage(const std::string& message) {
    return failure(Error{Code::InvalidArgument, message});
}

CommandReply CommandReply::success(nlohmann::json fields, std::string text) {
    CommandReply r;
    r.json = nlohmann::json{{"ok", true}};
    r.json.update(fields);
    r.text = std::move(text);
    return r;
}

}  // namespace meshx
