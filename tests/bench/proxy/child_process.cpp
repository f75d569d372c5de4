#include "child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace bench {

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& logFile) {
    pid_ = ::fork();
    if (pid_ == 0) {
        int fd = ::open(logFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        std::vector<char*> args;
        for (const auto& a : argv) {
            args.push_back(const_cast<char*>(a.c_str()));
        }
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
}

ChildProcess::~ChildProcess() {
    if (pid_ <= 0) {
        return;
    }
    ::kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

double ChildProcess::cpuSeconds() const {
    // Includes the child's own threads; socat's forked children are reaped into cutime/cstime.
    std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto close = content.rfind(')');
    if (close == std::string::npos) {
        return 0;
    }
    std::istringstream fields(content.substr(close + 2));
    std::string f;
    double ticks = 0;
    for (int i = 3; i <= 17 && fields >> f; ++i) {
        if (i >= 14) {  // utime, stime, cutime, cstime
            ticks += std::stod(f);
        }
    }
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

bool runCommand(const std::string& shellCommand) {
    return std::system((shellCommand + " >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace bench
