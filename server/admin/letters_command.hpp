// `congress letters purge --event ID`: the retention command of visa letters
// (docs/letters.md). Erases the passport numbers and birth dates of an event that has
// ended; audited as the Unix user who ran it.
#pragma once

#include <string>
#include <vector>

namespace congress::admin {

std::string letters_command_help();
// Returns the process exit code: 0 done, 1 refused or failed, 2 bad usage.
int letters_command(const std::vector<std::string>& args, const char* (*getenv)(const char*));

}  // namespace congress::admin
