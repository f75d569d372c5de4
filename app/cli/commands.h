#pragma once

#include <string>
#include <vector>

// Each `meshx <command>` is a function from its arguments (after the command word) to an exit
// code: 0 ok, 1 runtime failure, 2 bad input (usage, malformed template, bad address...).
namespace meshx::cli {

int templateCommand(const std::vector<std::string>& args);
int shellCommand(const std::vector<std::string>& args);
int serveCommand(const std::vector<std::string>& args);
int rpcServeCommand(const std::vector<std::string>& args);
int rpcCallCommand(const std::vector<std::string>& args);
int rpcBenchCommand(const std::vector<std::string>& args);
int nodeCommand(const std::vector<std::string>& args);
int tapCommand(const std::vector<std::string>& args);

}  // namespace meshx::cli
