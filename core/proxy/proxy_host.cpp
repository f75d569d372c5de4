#include "proxy/proxy_host.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <thread>

#include "common/mesh_config.h"
#include "proxy/agent_http_client.h"
#include "proxy/proxy_program.h"
#include "proxy/shared_roots.h"

namespace meshx::proxy {

namespace {

// A FILE* whose complete lines become protocol lines of one sidecar (fopencookie): ProxyProgram
// and its Logger write to a FILE*, so a hosted sidecar runs the unchanged program.
struct LineCookie {
    ProxyHost* host;
    char kind;
    std::string key;
    std::string partial;
};

ssize_t cookieWrite(void* cookie, const char* buf, size_t size) {
    auto* c = static_cast<LineCookie*>(cookie);
    c->partial.append(buf, size);
    size_t start = 0;
    for (size_t nl = c->partial.find('\n'); nl != std::string::npos;
         nl = c->partial.find('\n', start)) {
        c->host->writeLine(c->kind, c->key, std::string_view(c->partial).substr(start, nl - start));
        start = nl + 1;
    }
    c->partial.erase(0, start);
    return static_cast<ssize_t>(size);
}

int cookieClose(void* cookie) {
    auto* c = static_cast<LineCookie*>(cookie);
    if (!c->partial.empty()) {
        c->host->writeLine(c->kind, c->key, c->partial);
    }
    delete c;
    return 0;
}

FILE* lineStream(ProxyHost* host, char kind, const std::string& key) {
    cookie_io_functions_t io{};
    io.write = cookieWrite;
    io.close = cookieClose;
    auto* cookie = new LineCookie{host, kind, key, {}};
    FILE* f = ::fopencookie(cookie, "w", io);
    if (f == nullptr) {
        delete cookie;
    }
    return f;
}

std::string processEnv(const char* name) {
    // Every add names its own sidecar: the host's own CONNECT_* would name one for all of them.
    if (std::string_view(name) == "CONNECT_SIDECAR_FOR" ||
        std::string_view(name) == "CONNECT_PROXY_ID") {
        return {};
    }
    const char* v = std::getenv(name);
    return v == nullptr ? std::string() : std::string(v);
}

std::vector<std::string_view> splitTabs(std::string_view line) {
    std::vector<std::string_view> fields;
    size_t start = 0;
    while (true) {
        const size_t tab = line.find('\t', start);
        fields.push_back(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
        if (tab == std::string_view::npos) {
            return fields;
        }
        start = tab + 1;
    }
}

}  // namespace

struct ProxyHost::Sidecar {
    std::string key;
    std::unique_ptr<ProxyProgram> program;
    FILE* out = nullptr;
    FILE* err = nullptr;
    std::thread thread;
    bool finished = false;  // under ProxyHost::mutex_: run() returned, program gone
};

ProxyHost::ProxyHost(Options options) : options_(std::move(options)) {
    if (!options_.env) {
        options_.env = processEnv;
    }
    if (::pipe2(wakePipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
        wakePipe_[0] = wakePipe_[1] = -1;
    }
}

ProxyHost::~ProxyHost() {
    stopAll();
    for (int fd : wakePipe_) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
}

void ProxyHost::writeLine(char kind, std::string_view key, std::string_view text) {
    std::string line;
    line.reserve(key.size() + text.size() + 4);
    line += kind;
    line += '\t';
    if (kind != 'H') {
        line += key;
        line += '\t';
    }
    line += text;
    line += '\n';
    std::lock_guard lock(outMutex_);
    std::fwrite(line.data(), 1, line.size(), options_.out);
    std::fflush(options_.out);
}

void ProxyHost::wake() {
    if (wakePipe_[1] >= 0) {
        const char b = 1;
        [[maybe_unused]] auto n = ::write(wakePipe_[1], &b, 1);
    }
}

void ProxyHost::requestStop() {
    stopRequested_ = true;
    wake();
}

size_t ProxyHost::sidecarCount() {
    std::lock_guard lock(mutex_);
    return sidecars_.size();
}

int ProxyHost::run() {
    std::string buffer;
    bool open = true;
    while (open && !stopRequested_) {
        pollfd fds[2] = {{options_.in, POLLIN, 0}, {wakePipe_[0], POLLIN, 0}};
        if (::poll(fds, wakePipe_[0] >= 0 ? 2 : 1, -1) < 0 && errno != EINTR) {
            break;
        }
        if (fds[1].revents != 0) {
            char drain[64];
            while (::read(wakePipe_[0], drain, sizeof drain) > 0) {
            }
            reap();
        }
        if (fds[0].revents == 0) {
            continue;
        }
        char chunk[16 * 1024];
        const ssize_t n = ::read(options_.in, chunk, sizeof chunk);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n <= 0) {
            open = false;  // the engine closed our input, or went away
            break;
        }
        buffer.append(chunk, static_cast<size_t>(n));
        size_t start = 0;
        for (size_t nl = buffer.find('\n'); nl != std::string::npos;
             nl = buffer.find('\n', start)) {
            command(std::string_view(buffer).substr(start, nl - start));
            start = nl + 1;
        }
        buffer.erase(0, start);
        if (buffer.size() > 1024 * 1024) {
            writeLine('H', {}, "command line longer than 1 MiB: dropped");
            buffer.clear();
        }
    }
    stopAll();
    return 0;
}

void ProxyHost::command(std::string_view line) {
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    if (line.empty()) {
        return;
    }
    const auto fields = splitTabs(line);
    if (fields[0] == "add" && fields.size() >= 2 && !fields[1].empty()) {
        add(std::string(fields[1]), std::vector<std::string>(fields.begin() + 2, fields.end()));
    } else if (fields[0] == "remove" && fields.size() == 2) {
        remove(std::string(fields[1]));
    } else {
        writeLine('H', {}, "unknown command: " + std::string(fields[0]));
    }
}

void ProxyHost::add(const std::string& key, std::vector<std::string> args) {
    {
        std::lock_guard lock(mutex_);
        if (sidecars_.count(key) > 0) {
            writeLine('E', key, "==> a sidecar with key " + key + " is already running");
            writeLine('X', key, "2");
            return;
        }
    }
    auto cl = CommandLine::parse(args, options_.env);
    if (!cl || cl->help || cl->version || cl->host) {
        writeLine('E', key,
                  cl ? std::string("==> -help, -version and -host are not for a hosted sidecar")
                     : cl.error().message);
        writeLine('X', key, "2");
        return;
    }
    auto s = std::make_unique<Sidecar>();
    s->key = key;
    s->out = lineStream(this, 'O', key);
    s->err = lineStream(this, 'E', key);
    if (s->out == nullptr || s->err == nullptr) {
        if (s->out != nullptr) {
            std::fclose(s->out);
        }
        if (s->err != nullptr) {
            std::fclose(s->err);
        }
        writeLine('E', key, "==> cannot make the sidecar's output streams");
        writeLine('X', key, "1");
        return;
    }
    ProxyProgram::Options po;
    po.out = s->out;
    po.err = s->err;
    po.shutdownGrace = options_.shutdownGrace;
    // Only sidecars of the host's own agent share its roots watch (an -http-addr of their own
    // names another agent, whose roots may differ).
    if (cl->configFile.empty() && cl->httpAddr == options_.env("CONSUL_HTTP_ADDR")) {
        po.sharedRoots = sharedRoots();
    }
    po.onPublicListener = [this, key](bool listening, const std::string& detail) {
        writeLine(listening ? 'L' : 'F', key, detail);
    };
    s->program = std::make_unique<ProxyProgram>(std::move(*cl), po);
    Sidecar* raw = s.get();
    std::lock_guard lock(mutex_);
    sidecars_[key] = std::move(s);
    raw->thread = std::thread([this, raw] {
        const int code = raw->program->run();
        std::unique_ptr<ProxyProgram> done;
        {
            std::lock_guard guard(mutex_);
            done = std::move(raw->program);
            raw->finished = true;
        }
        done.reset();  // its logger writes to the streams closed next
        std::fclose(raw->out);
        std::fclose(raw->err);
        writeLine('X', raw->key, std::to_string(code));
        wake();
    });
}

std::shared_ptr<SharedRoots> ProxyHost::sharedRoots() {
    if (!sharedRootsTried_) {
        sharedRootsTried_ = true;
        MeshConfig config;
        if (config.applyEnvironment()) {
            if (auto client = AgentHttpClient::create(config)) {
                sharedRoots_ = std::make_shared<SharedRoots>(
                    std::move(*client), [this](const std::string& message) {
                        writeLine('H', {}, "shared CA roots watch: " + message);
                    });
            }
        }
    }
    return sharedRoots_;
}

void ProxyHost::remove(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = sidecars_.find(key);
    if (it == sidecars_.end() || it->second->finished) {
        return;  // ended by itself already: its X line is out or on its way
    }
    it->second->program->requestStop();
}

void ProxyHost::reap() {
    std::vector<std::unique_ptr<Sidecar>> done;
    {
        std::lock_guard lock(mutex_);
        for (auto it = sidecars_.begin(); it != sidecars_.end();) {
            if (it->second->finished) {
                done.push_back(std::move(it->second));
                it = sidecars_.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (auto& s : done) {
        s->thread.join();
    }
}

void ProxyHost::stopAll() {
    {
        std::lock_guard lock(mutex_);
        for (auto& [key, s] : sidecars_) {
            if (!s->finished) {
                s->program->requestStop();
            }
        }
    }
    std::map<std::string, std::unique_ptr<Sidecar>> all;
    {
        std::lock_guard lock(mutex_);
        all.swap(sidecars_);
    }
    for (auto& [key, s] : all) {
        s->thread.join();
    }
}

}  // namespace meshx::proxy
