#include "cli/mesh_session.h"

namespace meshx::cli {

Result<std::unique_ptr<engine::Session>> openMeshSession(std::vector<std::string>& args) {
    auto config = MeshConfig::load();
    if (!config) {
        return config.error();
    }
    engine::SessionOptions options{std::move(*config), false};
    for (auto it = args.begin(); it != args.end();) {
        if (*it == "--embedded-agent") {
            options.embeddedAgent = true;
            it = args.erase(it);
        } else if (*it == "--agent") {
            if (it + 1 == args.end()) {
                return makeError(Code::InvalidArgument, "--agent needs an address");
            }
            auto ep = AgentEndpoint::parse(*(it + 1));
            if (!ep) {
                return ep.error();
            }
            options.config.agent = *ep;
            it = args.erase(it, it + 2);
        } else {
            ++it;
        }
    }
    return engine::Session::open(std::move(options));
}

}  // namespace meshx::cli
