#include "storage/reference_store.hpp"

#include "core/json_views.hpp"
#include "storage/declaration_store.hpp"
#include "storage/migrations.hpp"
#include "tests/support/mini_reference.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <random>

using namespace electd;

namespace {

std::int64_t count(storage::connection& db, std::string const& sql)
{
    storage::statement q(db, sql);
    q.step();
    return q.int64(0);
}

struct temp_file {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("electd-storage-" + std::to_string(std::random_device{}()) + ".db");
    ~temp_file()
    {
        for (auto suffix : {"", "-wal", "-shm"})
            std::filesystem::remove(path.string() + suffix);
    }
};

} // namespace

TEST_CASE("Migrations apply once, in order, and record themselves", "[storage][migrations]")
{
    storage::connection db(":memory:");
    CHECK(storage::migrate(db) == storage::latest_schema_version());
    CHECK(storage::migrate(db) == 0);
    CHECK(count(db, "SELECT COUNT(*) FROM schema_migrations") == storage::latest_schema_version());
    CHECK(count(db, "SELECT COUNT(*) FROM declarations") == 0);
}

TEST_CASE("A real database file is in WAL mode with synchronous=FULL", "[storage][migrations]")
{
    temp_file f;
    {
        storage::connection db(f.path.string());
        storage::migrate(db);
    }
    storage::connection db(f.path.string());
    storage::configure_writer(db);
    storage::statement mode(db, "PRAGMA journal_mode");
    REQUIRE(mode.step());
    CHECK(mode.text(0) == "wal");
    CHECK(count(db, "PRAGMA synchronous") == 2); // FULL
    CHECK(storage::migrate(db) == 0);
}

TEST_CASE("Reference data round-trips, loads once per version, upgrades, and refuses another election",
          "[storage][reference]")
{
    storage::connection db(":memory:");
    storage::migrate(db);
    auto ref = test::mini_reference();
    ref->add_watch({0, "a seat to watch"});
    ref->add_nomination({0, "Ann Lab", *ref->parties.find("Lab"), true});
    CHECK(storage::save_reference(db, *ref, "test") == storage::reference_outcome::loaded);
    CHECK(storage::save_reference(db, *ref, "test") == storage::reference_outcome::already_current);
    CHECK(count(db, "SELECT COUNT(*) FROM reference_versions") == 1);

    auto back = storage::load_reference(db);
    REQUIRE(back);
    CHECK(back->seat_count() == 3);
    CHECK(back->seat(1).name == "Seat Two");
    CHECK(back->parties.size() == ref->parties.size());
    CHECK(back->parties[*back->parties.find("c")].code == "Con");
    CHECK(back->baseline_of(0).votes_for(*back->parties.find("Con")) == 500);
    CHECK(back->others_lump == ref->others_lump);
    CHECK(back->watchlist().size() == 1);
    REQUIRE(back->nominations().size() == 1);
    CHECK(back->nominations()[0].sitting_mp);

    // A party first named by a feed survives an upgrade of the reference data.
    storage::insert_feed_party(db, {"Yorks", "Yorks", "#999999", true}, 5, 1);
    auto v2 = test::mini_reference();
    v2->info.data_version = 2;
    v2->add_constituency({"E4", 4, "Seat Four", "Region B", "Wales", 900});
    CHECK(storage::save_reference(db, *v2, "test v2") == storage::reference_outcome::upgraded);
    auto back2 = storage::load_reference(db);
    CHECK(back2->seat_count() == 4);
    CHECK(back2->parties.find("Yorks"));
    CHECK(back2->parties[*back2->parties.find("Yorks")].from_feed);
    CHECK(count(db, "SELECT COUNT(*) FROM reference_versions") == 2);

    auto other = test::mini_reference();
    other->info.short_name = "other";
    CHECK_THROWS_WITH(storage::save_reference(db, *other, "x"), Catch::Contains("use a new --db"));
}

TEST_CASE("Declaration revisions are appended and read back in seq order", "[storage][declarations]")
{
    storage::connection db(":memory:");
    storage::migrate(db);
    auto ref = test::mini_reference();
    storage::save_reference(db, *ref, "test");

    core::declaration_input in;
    in.constituency = "E1";
    in.declared_at = "2024-07-05T01:12:00+01:00";
    in.invalid_votes = 7;
    in.candidates_present = true;
    in.candidates = {{"Ann", "Lab", 400, false}, {"Bob", "C", 350, false}};
    auto d = *core::check_declaration(in, *ref).value;
    auto canonical = core::canonical_form(d, *ref);
    auto result = core::compute_result(d, *ref);

    storage::declaration_writer writer(db);
    {
        storage::transaction tx(db);
        storage::revision_row row{1, &d, *in.declared_at, &result, "", "{raw}", "application/json", "http", 1720138320000};
        writer.append(row, *ref);
        tx.commit();
    }
    CHECK(storage::last_declaration_seq(db) == 1);
    CHECK(count(db, "SELECT COUNT(*) FROM declaration_candidates WHERE seq = 1") == 2);
    CHECK(count(db, "SELECT gain FROM declarations WHERE seq = 1") == 1);
    CHECK(count(db, "SELECT majority FROM declarations WHERE seq = 1") == 50);

    int seen = 0;
    storage::for_each_revision(db, *ref, [&](storage::stored_revision&& r) {
        ++seen;
        CHECK(r.seq == 1);
        CHECK(r.value.invalid_votes == 7);
        CHECK(r.value.declared_at.offset_minutes == 60);
        CHECK(core::canonical_form(r.value, *ref) == canonical);
    });
    CHECK(seen == 1);

    // The same (constituency, revision) cannot be stored twice, whatever the caller does.
    storage::transaction tx(db);
    storage::revision_row again{2, &d, *in.declared_at, &result, "", "{raw}", "application/json", "http", 0};
    CHECK_THROWS_AS(writer.append(again, *ref), storage::sqlite_error);
}
