// The CSV the server writes (api/csv: the organisers' registration and enrolment exports and
// the hotels' rooming lists). The server reads no CSV: there is no CSV import to fuzz (see
// docs/testing.md, "Fuzzing"), so this target checks what the exports promise instead.
//
// Input: rows separated by 0x1E, fields by 0x1F, each field any bytes. The document written
// by CsvWriter is read back with an RFC 4180 reader of this file's own, and must:
//   - start with the UTF-8 byte-order mark and be valid UTF-8 throughout;
//   - have the same rows and fields, each field the input (invalid UTF-8 replaced by U+FFFD)
//     with a ' in front when a spreadsheet would take it for a formula, and no field that
//     a spreadsheet would take for a formula (csv_needs_neutralising) once read back.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/csv.hpp"
#include "net/ws_frame.hpp"

using namespace congress;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "\n==== fuzz invariant broken: %s\n%.*s\n", what, static_cast<int>(detail.size()), detail.data());
    std::abort();
}

using Rows = std::vector<std::vector<std::string>>;

// RFC 4180, strictly: CRLF after every record, quotes only around a whole field.
std::optional<Rows> read_csv(std::string_view text) {
    Rows rows;
    std::vector<std::string> row;
    std::string field;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] == '"') {
            ++i;
            for (;;) {
                if (i >= text.size()) return std::nullopt;
                if (text[i] == '"') {
                    if (i + 1 < text.size() && text[i + 1] == '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field += text[i++];
            }
        } else {
            while (i < text.size() && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
                if (text[i] == '"') return std::nullopt;
                field += text[i++];
            }
        }
        if (i >= text.size()) return std::nullopt;  // every record ends with CRLF
        if (text[i] == ',') {
            row.push_back(std::move(field));
            field.clear();
            ++i;
        } else if (text.substr(i, 2) == "\r\n") {
            row.push_back(std::move(field));
            field.clear();
            rows.push_back(std::move(row));
            row.clear();
            i += 2;
        } else {
            return std::nullopt;
        }
    }
    return rows;
}

// Invalid UTF-8 replaced by U+FFFD, a byte at a time, as csv.cpp documents.
std::string expected_text(std::string_view value) {
    std::string out;
    for (std::size_t i = 0; i < value.size();) {
        std::size_t length = 0;
        for (std::size_t n = 1; n <= 4 && i + n <= value.size(); ++n)
            if (net::valid_utf8(value.substr(i, n))) {
                length = n;
                break;
            }
        if (length == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(value.substr(i, length));
            i += length;
        }
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    Rows rows(1);
    std::string field;
    for (const char c : input) {
        if (c == '\x1f') {
            rows.back().push_back(std::exchange(field, {}));
        } else if (c == '\x1e') {
            rows.back().push_back(std::exchange(field, {}));
            rows.emplace_back();
        } else {
            field += c;
        }
    }
    rows.back().push_back(std::move(field));

    api::CsvWriter writer;
    for (const auto& row : rows) writer.row(row);
    const auto document = writer.take();
    if (document.rfind("\xEF\xBB\xBF", 0) != 0) fail("the document does not start with the byte-order mark", document);
    if (!net::valid_utf8(document)) fail("the document is not valid UTF-8", document);
    const auto read = read_csv(std::string_view(document).substr(3));
    if (!read) fail("the document is not RFC 4180 CSV", document);
    if (read->size() != rows.size()) fail("the document has another number of rows", document);
    for (std::size_t r = 0; r < rows.size(); ++r) {
        if ((*read)[r].size() != rows[r].size()) fail("a row has another number of fields", document);
        for (std::size_t f = 0; f < rows[r].size(); ++f) {
            const auto& got = (*read)[r][f];
            auto want = expected_text(rows[r][f]);
            if (api::csv_needs_neutralising(want)) want.insert(0, 1, '\'');
            if (got != want) fail("a field does not read back as written", document);
            if (api::csv_needs_neutralising(got)) fail("a field reads back as a formula", document);
        }
    }
    return 0;
}
