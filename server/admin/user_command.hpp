// `congress user`: staff accounts from the command line. This is how the first admin is
// created (there is no default account and no default password), and how an operator on
// the server resets a password or disables an account. Every change is recorded in the
// audit log as "cli:<unix user>".
#pragma once

#include <string>
#include <vector>

namespace congress::admin {

std::string user_command_help();
// `args` are the words after "user". Returns the process exit code: 0 done, 1 refused or
// failed, 2 usage error.
int user_command(const std::vector<std::string>& args, const char* (*getenv)(const char*));

}  // namespace congress::admin
