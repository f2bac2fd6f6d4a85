// The CSV writer of the organiser's exports (api/csv.hpp).
#include <gtest/gtest.h>

#include "api/csv.hpp"

using namespace congress::api;

namespace {

const std::string bom = "\xEF\xBB\xBF";

// Splits a CSV document (without its BOM) into records of fields, the way RFC 4180
// readers do, so that tests check what a spreadsheet would read back.
std::vector<std::vector<std::string>> parse(const std::string& text) {
    std::vector<std::vector<std::string>> records(1);
    std::string field;
    bool quoted = false, in_quotes = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_quotes) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
            else if (c == '"') in_quotes = false;
            else field += c;
        } else if (c == '"' && field.empty() && !quoted) {
            in_quotes = quoted = true;
        } else if (c == ',') {
            records.back().push_back(field), field.clear(), quoted = false;
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            records.back().push_back(field), field.clear(), quoted = false;
            records.emplace_back();
            ++i;
        } else {
            field += c;
        }
    }
    if (records.back().empty() && field.empty()) records.pop_back();
    return records;
}

}  // namespace

TEST(Csv, TheDocumentStartsWithAByteOrderMarkAndEndsRecordsWithCrlf) {
    CsvWriter out;
    out.row({"id", "name"});
    out.row({"1", "Ada"});
    EXPECT_EQ(out.take(), bom + "id,name\r\n1,Ada\r\n");
}

TEST(Csv, PlainFieldsAreLeftAlone) {
    EXPECT_EQ(csv_field("Barcelona"), "Barcelona");
    EXPECT_EQ(csv_field(""), "");
    EXPECT_EQ(csv_field("42"), "42");
    EXPECT_EQ(csv_field("a b"), "a b");
}

TEST(Csv, AccentsAndOtherScriptsPassThroughAsUtf8) {
    EXPECT_EQ(csv_field("José Ñúñez"), "José Ñúñez");
    EXPECT_EQ(csv_field("Ville de Montréal"), "Ville de Montréal");
    EXPECT_EQ(csv_field("서울특별시"), "서울특별시");
    EXPECT_EQ(csv_field("😀"), "😀");
}

TEST(Csv, CommasQuotesAndLineBreaksAreQuotedAsRfc4180Says) {
    EXPECT_EQ(csv_field("Ruiz, Ana"), "\"Ruiz, Ana\"");
    EXPECT_EQ(csv_field("The \"Smart\" City"), "\"The \"\"Smart\"\" City\"");
    EXPECT_EQ(csv_field("line one\nline two"), "\"line one\nline two\"");
    EXPECT_EQ(csv_field("a\r\nb"), "\"a\r\nb\"");
    EXPECT_EQ(csv_field("\""), "\"\"\"\"");
}

TEST(Csv, FormulaStartsAreNeutralisedWithAQuote) {
    EXPECT_EQ(csv_field("=1+1"), "'=1+1");
    EXPECT_EQ(csv_field("+34 600 000 000"), "'+34 600 000 000");
    EXPECT_EQ(csv_field("-2+3"), "'-2+3");
    EXPECT_EQ(csv_field("@SUM(A1:A9)"), "'@SUM(A1:A9)");
    EXPECT_EQ(csv_field("\t=cmd"), "'\t=cmd");
    EXPECT_EQ(csv_field("\r=cmd"), "\"'\r=cmd\"");  // neutralised, then quoted for the CR
    EXPECT_EQ(csv_field("=HYPERLINK(\"http://x\",\"y\")"), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
    EXPECT_EQ(csv_field("=1,2"), "\"'=1,2\"");
}

TEST(Csv, FullwidthFormulaCharactersAreNeutralisedToo) {
    EXPECT_EQ(csv_field("\xEF\xBC\x9D" "1+1"), "'\xEF\xBC\x9D" "1+1");  // U+FF1D
    EXPECT_EQ(csv_field("\xEF\xBC\xA0" "x"), "'\xEF\xBC\xA0" "x");      // U+FF20
}

TEST(Csv, FormulaCharactersInsideACellAreHarmless) {
    EXPECT_EQ(csv_field("a=b"), "a=b");
    EXPECT_EQ(csv_field("ana@example.org"), "ana@example.org");
    EXPECT_EQ(csv_field("Saint-Denis"), "Saint-Denis");
    EXPECT_FALSE(csv_needs_neutralising(" =1"));  // a leading space makes it text already
}

TEST(Csv, InvalidUtf8BecomesTheReplacementCharacter) {
    EXPECT_EQ(csv_field("a\xff" "b"), "a\xEF\xBF\xBD" "b");
    EXPECT_EQ(csv_field("\xC3"), "\xEF\xBF\xBD");               // truncated sequence
    EXPECT_EQ(csv_field("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
    EXPECT_EQ(csv_field("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
}

TEST(Csv, ADocumentReadsBackAsTheCellsThatWereWritten) {
    const std::vector<std::vector<std::string>> rows{
        {"id", "name", "organisation"},
        {"1", "Ruiz, Ana", "Àrea Metropolitana de Barcelona"},
        {"2", "O'Brien \"Pat\"", "Line\nbreak"},
        {"3", "", "=cmd|' /C calc'!A0"},
    };
    CsvWriter out;
    for (const auto& row : rows) out.row(row);
    const auto text = out.take();
    ASSERT_EQ(text.substr(0, 3), bom);
    auto back = parse(text.substr(3));
    ASSERT_EQ(back.size(), rows.size());
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(back[i], rows[i]);
    EXPECT_EQ(back[3][2], "'=cmd|' /C calc'!A0");  // shown as text, never run
}

TEST(Csv, TakeLeavesTheWriterEmpty) {
    CsvWriter out;
    out.row({"x"});
    EXPECT_FALSE(out.take().empty());
    EXPECT_EQ(out.take(), "");
}
