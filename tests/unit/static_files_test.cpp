#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "api/static_files.hpp"
#include "temp_dir.hpp"

using namespace congress::api;
using congress::testing::TempDir;

namespace {

struct WebRoot {
    TempDir dir;
    std::filesystem::path root = dir.path() / "web";

    WebRoot() {
        std::filesystem::create_directories(root / "js");
        std::ofstream(root / "index.html") << "<h1>home</h1>";
        std::ofstream(root / "event.html") << "<h1>event</h1>";
        std::ofstream(root / "letter-verify.html") << "<h1>letter</h1>";
        std::ofstream(root / "letter-print.html") << "<h1>print</h1>";
        std::ofstream(root / "js" / "app.js") << "export {};";
        std::ofstream(root / ".hidden") << "secret";
        std::ofstream(dir.path() / "outside.txt") << "outside";
        std::filesystem::create_symlink(dir.path() / "outside.txt", root / "link.txt");
    }
};

Request get(const std::string& path) {
    Request r;
    r.method = "GET";
    r.target = path;
    r.path = path;
    return r;
}

}  // namespace

TEST(StaticFilesTest, PagesAndAssetsHaveTheirContentTypes) {
    WebRoot web;
    StaticFiles files(web.root);
    const auto home = files.serve(get("/"));
    EXPECT_EQ(home.status, 200);
    EXPECT_EQ(home.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(*home.body, "<h1>home</h1>");
    EXPECT_EQ(*files.serve(get("/events/12")).body, "<h1>event</h1>");
    EXPECT_EQ(*files.serve(get("/letters/verify/abcdefghijklmnopqrstuvwxyz")).body, "<h1>letter</h1>");
    EXPECT_EQ(files.serve(get("/letters/verify/a/b")).status, 404);
    EXPECT_EQ(*files.serve(get("/r/abcdefghijklmnopqrstuvwxyz/letter")).body, "<h1>print</h1>");
    EXPECT_EQ(*files.serve(get("/console/events/3/letters/12")).body, "<h1>print</h1>");
    EXPECT_EQ(files.serve(get("/console/events/3/letters/12/x")).status, 404);
    EXPECT_EQ(files.serve(get("/r/a/b/letter")).status, 404);
    EXPECT_EQ(files.serve(get("/js/app.js")).content_type, "text/javascript; charset=utf-8");
}

TEST(StaticFilesTest, RevalidationWithTheETagGets304) {
    WebRoot web;
    StaticFiles files(web.root);
    const auto first = files.serve(get("/js/app.js"));
    auto again = get("/js/app.js");
    again.headers.emplace_back("If-None-Match", std::string(first.header("ETag")));
    const auto second = files.serve(again);
    EXPECT_EQ(second.status, 304);
    EXPECT_FALSE(second.body);
}

TEST(StaticFilesTest, NothingOutsideTheRootIsServed) {
    WebRoot web;
    StaticFiles files(web.root);
    for (const char* path : {"/../outside.txt", "/%2e%2e/outside.txt", "/js/..%2f..%2foutside.txt", "/link.txt",
                             "/.hidden", "/js/%00app.js", "/js//app.js", "/js/app.js%", "/js\\..\\..\\outside.txt",
                             "/events/1/../../outside.txt", "/nope.html"}) {
        const auto r = files.serve(get(path));
        EXPECT_EQ(r.status, 404) << path;
        EXPECT_EQ(r.body->find("outside"), std::string::npos) << path;
    }
}

TEST(StaticFilesTest, PercentDecoding) {
    EXPECT_EQ(percent_decode("/a%20b").value(), "/a b");
    EXPECT_FALSE(percent_decode("/a%2"));
    EXPECT_FALSE(percent_decode("/a%zz"));
    EXPECT_FALSE(percent_decode("/a%00"));
}
