// `congress session`: change one session of the programme from the command line (time,
// room, capacity, title, cancel). A stop-gap for organisers until the organiser console;
// each change bumps the event's schedule version, is recorded, and is pushed live by a
// running server (it watches the database for commits by other processes).
#pragma once

#include <string>
#include <vector>

namespace congress::admin {

std::string session_command_help();
std::string event_command_help();
// `congress event --id N [--capacity N] [--promote-after-close yes|no]`.
int event_command(const std::vector<std::string>& args, const char* (*getenv)(const char*));
// Returns the process exit code; prints what it did or why it refused.
int session_command(const std::vector<std::string>& args, const char* (*getenv)(const char*));

}  // namespace congress::admin
