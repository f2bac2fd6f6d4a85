// Loads the demo data (schema/demo/metropolis-2014.json) into a database.
#pragma once

#include <stdexcept>
#include <string>

#include "domain/time.hpp"
#include "storage/sqlite.hpp"

namespace congress::storage {

struct DemoOptions {
    // Keep the dates as published in the report (2014) instead of moving them forward.
    bool as_published = false;
    // Delete the existing programme data first; otherwise a database that already has
    // events is refused.
    bool replace = false;
    domain::Instant now = domain::now();
};

struct DemoSummary {
    int shift_weeks = 0;
    int organisations = 0;
    int people = 0;
    int venues = 0;
    int rooms = 0;
    int events = 0;
    int sessions = 0;
};

class DemoDataError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Parses and validates the JSON document and writes it in one IMMEDIATE transaction;
// on any error nothing is written. Throws DemoDataError or SqliteError.
DemoSummary load_demo(Connection& conn, const std::string& json_text, const DemoOptions& options);

}  // namespace congress::storage
