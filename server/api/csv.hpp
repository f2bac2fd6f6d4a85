// CSV for spreadsheets: RFC 4180 fields and records, UTF-8 with a byte-order mark (so that
// Excel reads accents as UTF-8 rather than the machine's code page), and no formulas.
//
// A spreadsheet runs a cell that starts with =, +, - or @ as a formula (CSV injection:
// "=HYPERLINK(...)" in a delegate's name); a leading tab or carriage return can hide such a
// character from the eye and some programs skip it. Such a cell is written with a single
// quote in front ('=1+1), which every spreadsheet shows as text. Fullwidth forms of the
// same characters are treated alike, since some spreadsheets normalise them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace congress::api {

// One field: neutralised (see above), then quoted when it holds a comma, a double quote,
// a CR or an LF (quotes doubled). Invalid UTF-8 becomes U+FFFD.
std::string csv_field(std::string_view value);

// True when a spreadsheet would read the cell as a formula.
bool csv_needs_neutralising(std::string_view value);

class CsvWriter {
public:
    // Starts with the UTF-8 byte-order mark.
    CsvWriter();
    // One record, ended by CRLF.
    void row(const std::vector<std::string>& fields);
    // The document so far; the writer is left empty.
    std::string take();

private:
    std::string out_;
};

}  // namespace congress::api
