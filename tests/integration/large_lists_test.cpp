// The organiser's registrations list and CSV export on an event with thousands of rows
// (docs/api.md, "GET /api/events/{id}/registrations"): keyset paging with `after`, counts
// that agree with the rows, a search that ignores case and accents, and an export that is
// streamed in pieces and still holds every row once. The real binary; the rows are written
// into the database file before it starts, through the schema's own triggers.
#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/support.hpp"

namespace congress::it {
namespace {

using nlohmann::json;

constexpr const char* password = "an organiser password long enough";
constexpr const char* organiser = "lists@example.org";
constexpr const char* slug = "medellin-wuf7-2014";
constexpr int rows = 2600;  // confirmed 2400, then 150 waitlisted, then 50 cancelled

struct ListServer {
    static ServerOptions make() {
        ServerOptions options;
        options.prepare_database = [](const std::string& db) {
            const auto r = run_program(
                "/bin/sh",
                {"-c", "printf '%s\\n' \"$PASSWORD\" | \"$CONGRESS\" user add --db \"$DB\" --email \"$EMAIL\" "
                       "--name Organiser --role organiser --event \"$EVENT\""},
                {{"PASSWORD", password}, {"CONGRESS", congress_binary()}, {"DB", db}, {"EMAIL", organiser}, {"EVENT", slug}});
            if (r.exit_code != 0) throw std::runtime_error("congress user add failed:\n" + r.output());
            run_sql(db, std::string("UPDATE events SET capacity = 2400 WHERE slug = '") + slug + "';" +
                            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < " + std::to_string(rows) +
                            ") INSERT INTO registrations (event_id, code, name, email, organisation, member_organisation_id, "
                            "language, status, waitlist_seq, created_at, updated_at) "
                            "SELECT (SELECT id FROM events WHERE slug = '" + slug + "'), 'list-' || i, "
                            "CASE i % 4 WHEN 0 THEN 'José Martínez ' WHEN 1 THEN 'Amélie Dubois ' WHEN 2 THEN 'chen wang ' "
                            "ELSE 'Zoë Okafor ' END || i, "
                            "'delegate' || i || '@example.org', "
                            "CASE WHEN i % 5 = 0 THEN NULL ELSE 'Town ' || (i % 7) END, "
                            "CASE WHEN i % 5 = 0 THEN (SELECT min(id) FROM organisations) END, 'en', "
                            "CASE WHEN i <= 2400 THEN 'confirmed' WHEN i <= 2550 THEN 'waitlisted' ELSE 'cancelled' END, "
                            "CASE WHEN i > 2400 AND i <= 2550 THEN i END, "
                            // Two registrations a second: several share a time, and the id breaks the tie.
                            "strftime('%Y-%m-%dT%H:%M:%SZ', '2028-01-01', '+' || (i / 2) || ' seconds'), "
                            "strftime('%Y-%m-%dT%H:%M:%SZ', '2028-01-01', '+' || (i / 2) || ' seconds') FROM c;");
        };
        return options;
    }
};

class LargeLists : public SharedServerTest<ListServer> {
protected:
    static const Headers& staff() {
        static const Headers headers = [] {
            const auto login = post_json(port(), "/api/staff/login", {{"email", organiser}, {"password", password}});
            if (login.status != 200) throw std::runtime_error("login failed: " + login.body);
            const auto cookie = login.header("Set-Cookie");
            return Headers{{"Cookie", cookie.substr(0, cookie.find(';'))},
                           {"X-CSRF-Token", parse_json(login.body)["csrf_token"].get<std::string>()}};
        }();
        return headers;
    }

    static std::string base() {
        static const std::string path = "/api/events/" + std::to_string(parse_json(get(port(), std::string("/api/events/") + slug).body)["id"].get<long long>());
        return path;
    }

    static json list(const std::string& query) {
        const auto r = get(port(), base() + "/registrations?" + query, staff());
        EXPECT_EQ(r.status, 200) << query << ": " << r.body.substr(0, 300);
        return r.status == 200 ? parse_json(r.body) : json::object();
    }

    static std::string sql(const std::string& query) {
        auto out = run_sql(server().db_path(), query);
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
        return out;
    }

    static long long sql_count(const std::string& where) {
        return std::stoll(sql("SELECT count(*) FROM registrations WHERE event_id = (SELECT id FROM events WHERE slug = '" +
                              std::string(slug) + "') AND " + where));
    }

    static std::string percent_encode(const std::string& text) {
        static const char* hex = "0123456789ABCDEF";
        std::string out;
        for (const unsigned char c : text) {
            if (std::isalnum(c) || c == '-' || c == '.' || c == '_') out += static_cast<char>(c);
            else out += std::string{'%', hex[c >> 4], hex[c & 15]};
        }
        return out;
    }

    // Every row of the list by following next_after from the first page.
    static std::vector<json> walk(const std::string& filters, int per_page) {
        std::vector<json> out;
        std::string after;
        for (int pages = 0; pages < 1000; ++pages) {
            const auto page = list(filters + "&per_page=" + std::to_string(per_page) + (after.empty() ? "" : "&after=" + after));
            for (const auto& row : page["registrations"]) out.push_back(row);
            if (page["next_after"].is_null()) break;
            after = std::to_string(page["next_after"].get<long long>());
        }
        return out;
    }
};

TEST_F(LargeLists, FollowingNextAfterGivesEveryRowOnceInTheListsOrder) {
    for (const std::string sort : {"created", "name"}) {
        const auto all = walk("sort=" + sort, 200);
        ASSERT_EQ(all.size(), static_cast<std::size_t>(rows)) << sort;
        std::set<long long> ids;
        for (const auto& row : all) ids.insert(row["id"].get<long long>());
        EXPECT_EQ(ids.size(), all.size()) << sort << ": a row came twice";
        // The same order as the numbered pages give.
        const auto third = list("sort=" + sort + "&per_page=200&page=3");
        for (std::size_t i = 0; i < third["registrations"].size(); ++i)
            EXPECT_EQ(third["registrations"][i]["id"], all[400 + i]["id"]) << sort << " row " << 400 + i;
    }
    // A numbered page of a filtered list is the same rows as walking to it.
    const auto waiting = walk("status=waitlisted", 40);
    const auto third_waiting = list("status=waitlisted&per_page=40&page=3");
    ASSERT_EQ(third_waiting["registrations"].size(), 40u);
    for (std::size_t i = 0; i < 40; ++i)
        EXPECT_EQ(third_waiting["registrations"][i]["id"], waiting[80 + i]["id"]) << "waitlisted row " << 80 + i;
    // A numbered page past the end: no row, and the counts still.
    const auto past = list("per_page=200&page=14");
    EXPECT_EQ(past["registrations"].size(), 0u);
    EXPECT_EQ(past["total"], rows);
    EXPECT_TRUE(past["next_after"].is_null());
    // Past the last row: an empty page, and nothing after it.
    const auto full = list("per_page=200&page=13");
    ASSERT_EQ(full["registrations"].size(), 200u);
    const auto beyond = list("per_page=200&after=" + std::to_string(full["next_after"].get<long long>()));
    EXPECT_EQ(beyond["registrations"].size(), 0u);
    EXPECT_TRUE(beyond["next_after"].is_null());
    EXPECT_TRUE(list("per_page=7")["next_after"].is_number());
}

TEST_F(LargeLists, AFilteredListPagesByAfterAndCountsWhatItShows) {
    const auto waiting = walk("status=waitlisted", 40);
    ASSERT_EQ(waiting.size(), 150u);
    // Positions on the waiting list, 1 to 150, in order, on every page.
    for (std::size_t i = 0; i < waiting.size(); ++i) EXPECT_EQ(waiting[i]["waitlist_position"], i + 1) << i;

    const auto first = list("status=waitlisted&per_page=40");
    EXPECT_EQ(first["total"], 150);
    EXPECT_EQ(first["counts"]["confirmed"], 2400);
    EXPECT_EQ(first["counts"]["waitlisted"], 150);
    EXPECT_EQ(first["counts"]["cancelled"], 50);

    // An organisation (typed, or the member organisation's name) and member=yes: the kept
    // counts agree with the rows.
    const auto member_name = sql("SELECT name FROM organisations ORDER BY id LIMIT 1");
    const std::vector<std::string> filters{"organisation=Town%203", "member=yes", "member=no",
                                           "organisation=" + percent_encode(member_name),
                                           "status=cancelled&organisation=Town%201"};
    for (const auto& filter : filters) {
        const auto page = list(filter + "&per_page=1");
        const auto shown = walk(filter, 200);
        EXPECT_EQ(page["total"].get<std::size_t>(), shown.size()) << filter;
        EXPECT_GT(shown.size(), 0u) << filter;
    }
    EXPECT_EQ(list("organisation=Town%203&per_page=1")["total"], sql_count("organisation = 'Town 3' AND member_organisation_id IS NULL"));
    const auto organisations = list("per_page=1")["organisations"];
    EXPECT_EQ(organisations.size(), 8u) << organisations;  // Town 0..6 and the member city
}

TEST_F(LargeLists, SearchFindsWordPrefixesWithoutCaseOrAccents) {
    // "martinez" finds "José Martínez", "AMELIE dub" finds "Amélie Dubois", "zoe" finds "Zoë".
    EXPECT_EQ(list("q=martinez&per_page=1")["total"], rows / 4);
    EXPECT_EQ(list("q=AMELIE+dub&per_page=1")["total"], rows / 4);
    EXPECT_EQ(list("q=zoe&per_page=1")["total"], rows / 4);
    // One delegate by e-mail, and a name with its number.
    const auto one = list("q=delegate1234%40example.org");
    ASSERT_EQ(one["total"], 1) << one;
    EXPECT_EQ(one["registrations"][0]["email"], "delegate1234@example.org");
    EXPECT_EQ(list("q=wang+1002")["total"], 1);
    // Search and filters together, paged by after.
    const auto found = walk("q=okafor&status=waitlisted", 10);
    EXPECT_EQ(static_cast<long long>(found.size()), sql_count("status = 'waitlisted' AND name LIKE 'Zoë Okafor %'"));
    EXPECT_GT(found.size(), 10u);
    for (const auto& row : found) EXPECT_EQ(row["status"], "waitlisted");
    EXPECT_EQ(list("q=nobody+at+all")["total"], 0);
    // A word every row has (more matches than are picked and sorted: the list's own order
    // is walked instead), alone and with a filter.
    EXPECT_EQ(walk("q=example", 200).size(), static_cast<std::size_t>(rows));
    EXPECT_EQ(list("q=EXAMPLE.org&status=waitlisted&per_page=1")["total"], 150);
    EXPECT_EQ(walk("q=example&status=cancelled&sort=name", 20).size(), 50u);
}

TEST_F(LargeLists, AnAfterThatIsNotOneOfTheEventsRegistrationsIsRefused) {
    for (const std::string after : {"abc", "0", "-3", "999999999"}) {
        const auto r = get(port(), base() + "/registrations?after=" + after, staff());
        EXPECT_EQ(r.status, 422) << after << ": " << r.body.substr(0, 200);
        EXPECT_EQ(parse_json(r.body)["error"]["field"], "after") << after;
    }
}

TEST_F(LargeLists, TheCsvExportIsStreamedInPiecesAndHoldsEveryRowOnce) {
    const auto r = get(port(), base() + "/export/registrations.csv", staff());
    ASSERT_EQ(r.status, 200) << r.error << r.body.substr(0, 200);
    EXPECT_EQ(r.header("Transfer-Encoding"), "chunked");
    EXPECT_EQ(r.header("Content-Length"), "");
    EXPECT_EQ(r.body.substr(0, 3), "\xEF\xBB\xBF");
    EXPECT_EQ(r.body.find("\xEF\xBB\xBF", 3), std::string::npos) << "the byte-order mark came again in a later piece";
    // One header line, then every registration once.
    std::map<std::string, int> seen;
    std::size_t lines = 0, start = 0;
    for (std::size_t end; (end = r.body.find("\r\n", start)) != std::string::npos; start = end + 2, ++lines)
        if (lines > 0) ++seen[r.body.substr(start, r.body.find(',', start) - start)];
    EXPECT_EQ(lines, static_cast<std::size_t>(rows) + 1);
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(rows));
    // The filters apply to every piece, and the audit entry counts the rows.
    const auto waiting = get(port(), base() + "/export/registrations.csv?status=waitlisted&sort=name", staff());
    ASSERT_EQ(waiting.status, 200);
    std::size_t waiting_lines = 0;
    for (std::size_t at = 0; (at = waiting.body.find("\r\n", at)) != std::string::npos; at += 2) ++waiting_lines;
    EXPECT_EQ(waiting_lines, 151u);
    EXPECT_EQ(sql("SELECT json_extract(after_json, '$.rows') FROM audit_log WHERE action = 'registrations.export' "
                  "ORDER BY id DESC LIMIT 1"),
              "150");
    // The server keeps serving on the same connection's successors.
    EXPECT_EQ(get(port(), "/api/health").status, 200);
}

}  // namespace
}  // namespace congress::it
