#pragma once

#include <sys/types.h>
#include <string>
#include <vector>

namespace bench {

// A helper program started for one variant (meshx-proxy, haproxy, socat), stopped with SIGTERM
// (then SIGKILL) when the variant is done. Its output goes to `logFile`.
class ChildProcess {
  public:
    ChildProcess(const std::vector<std::string>& argv, const std::string& logFile);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    bool started() const { return pid_ > 0; }
    // CPU seconds (user + system) the child used, read from /proc before it is stopped.
    double cpuSeconds() const;

  private:
    pid_t pid_ = -1;
};

// Runs a command to completion (certificate generation); false when it fails.
bool runCommand(const std::string& shellCommand);

}  // namespace bench
