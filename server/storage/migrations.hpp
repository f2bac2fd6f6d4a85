// Numbered SQL migrations (schema/NNNN_name.sql), compiled into the binary, applied in
// order and recorded in schema_migrations. A database whose schema is newer than this
// binary is refused rather than guessed at.
#pragma once

#include <span>
#include <stdexcept>
#include <string_view>

#include "storage/sqlite.hpp"

namespace congress::storage {

struct Migration {
    int version;
    std::string_view name;
    std::string_view sql;
};

class SchemaTooNew : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The migrations in schema/, embedded at build time (generated source).
std::span<const Migration> builtin_migrations();

int latest_version(std::span<const Migration> migrations);
// The highest applied version; 0 for a new database.
int current_version(Connection& conn);
// Applies the migrations not recorded yet (a gap left by a later-merged number is
// filled), in order, each in its own IMMEDIATE transaction. Returns how
// many were applied. Throws SchemaTooNew if the database is ahead of `migrations`.
int migrate(Connection& conn, std::span<const Migration> migrations);
// Throws SchemaTooNew if the database is ahead of `migrations`; applies nothing.
void ensure_not_newer(Connection& conn, std::span<const Migration> migrations);

}  // namespace congress::storage
