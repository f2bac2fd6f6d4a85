// The ways a rule says no, shared by every part of the domain. Plain exceptions: the API
// maps each kind to one HTTP status (api/errors.cpp), the command line prints it.
//   Refusal       a rule refused what was asked ("event_full")        -> 409
//   NotFound      what was asked for does not exist                   -> 404
//   InvalidField  a field breaks a rule of its own (a skipped time)   -> 422
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "domain/event.hpp"
#include "domain/time.hpp"

namespace congress::domain {

struct SessionRef {
    Id id = 0;
    std::string title;
    Instant starts_at{};
    Instant ends_at{};
    std::string timezone;  // the event's, for display
};

// A rule refused what the delegate asked: a stable code ("event_full") and a message a
// person can act on. The API answers 409 Conflict.
class Refusal : public std::runtime_error {
public:
    Refusal(std::string code, const std::string& message, std::optional<SessionRef> session = std::nullopt)
        : std::runtime_error(message), code_(std::move(code)), session_(std::move(session)) {}
    const std::string& code() const noexcept { return code_; }
    // For session_overlap: the session the delegate already holds.
    const std::optional<SessionRef>& session() const noexcept { return session_; }

private:
    std::string code_;
    std::optional<SessionRef> session_;
};

// What was asked for does not exist ("registration_not_found"). The API answers 404.
class NotFound : public std::runtime_error {
public:
    NotFound(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
    const std::string& code() const noexcept { return code_; }

private:
    std::string code_;
};

// A field refers to something it may not (an unknown organisation, another event's
// session). The API answers 422 naming the field.
class InvalidField : public std::runtime_error {
public:
    InvalidField(std::string field, const std::string& message) : std::runtime_error(message), field_(std::move(field)) {}
    const std::string& field() const noexcept { return field_; }

private:
    std::string field_;
};

}  // namespace congress::domain
