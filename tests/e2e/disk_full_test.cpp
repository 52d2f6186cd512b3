// The fault harness (issue 7): the disk fills up under electd, two ways.
// - A small tmpfs of electd's own, mounted in a private mount namespace (unshare), filled from
//   outside through /proc/PID/root: writes fail with ENOSPC (SQLITE_FULL), as on a real disk;
//   deleting the filler is "space returns".
// - A file-size limit (RLIMIT_FSIZE) lowered on the live process: writes fail with EFBIG,
//   without any mount; raising it again is "space returns".
#include "tests/support/api.hpp"
#include "tests/support/process.hpp"

#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <sys/statvfs.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

using namespace electd;
using namespace electd::test;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Sets the soft RLIMIT_FSIZE of process `pid`, leaving the hard limit alone so it can be raised again.
void set_file_size_limit(int pid, rlim_t bytes)
{
    rlimit now{};
    REQUIRE(::prlimit(pid, RLIMIT_FSIZE, nullptr, &now) == 0);
    rlimit wanted{bytes, now.rlim_max};
    REQUIRE(::prlimit(pid, RLIMIT_FSIZE, &wanted, nullptr) == 0);
}

std::uintmax_t size_or_zero(fs::path const& p)
{
    std::error_code ec;
    auto n = fs::file_size(p, ec);
    return ec ? 0 : n;
}

std::string seat_status(cli::http_client& client, std::string const& ons)
{
    return std::string(get_json(client, "/v1/constituencies/" + ons).at("status").as_string());
}

// Where electd's database lives, and how to take its space away and give it back.
class full_disk {
public:
    virtual ~full_disk() = default;
    virtual std::vector<std::string> launcher() const { return {}; }
    /// One number from the database, read-only, while electd runs.
    virtual std::int64_t query(int pid, std::string const& sql) const = 0;
    /// `electd check` on the database, while electd runs.
    virtual command_result check(int pid) const = 0;
    virtual std::string fill(int pid) = 0; // says what it did
    virtual void make_room(int pid) = 0;
    fs::path db;
};

class tmpfs_disk : public full_disk {
public:
    explicit tmpfs_disk(fs::path dir) : mount_point_(std::move(dir))
    {
        fs::create_directories(mount_point_);
        db = mount_point_ / "electd.db";
    }
    std::vector<std::string> launcher() const override
    {
        // A user and mount namespace of its own (no root needed); electd is exec'd in it.
        return {"/usr/bin/unshare", "--user", "--map-root-user", "--mount", "--propagation", "private", "/bin/sh", "-c",
                "mount -t tmpfs -o size=16m electd-disk-full '" + mount_point_.string() + "' && exec \"$0\" \"$@\""};
    }
    // SQLite resolves the /proc/PID/root symlink back to "/", so the database is read from
    // inside electd's namespaces.
    std::int64_t query(int pid, std::string const& sql) const override
    {
        auto out = shell_output(inside(pid) + "sqlite3 -readonly '" + db.string() + "' \"" + sql + "\" 2>&1");
        INFO(sql << ": " << out);
        REQUIRE(!out.empty());
        return std::stoll(out);
    }
    command_result check(int pid) const override
    {
        command_result r;
        r.output = shell_output(inside(pid) + "'" + electd_binary().string() + "' check --db '" + db.string()
                                + "' 2>&1; echo \"exit=$?\"");
        r.exit_code = r.output.ends_with("exit=0\n") ? 0 : 1;
        return r;
    }
    std::string fill(int pid) override
    {
        auto dir = seen_from_outside(pid, mount_point_);
        struct statvfs vfs{};
        REQUIRE(::statvfs(dir.c_str(), &vfs) == 0);
        auto free_bytes = static_cast<std::uintmax_t>(vfs.f_bavail) * vfs.f_frsize;
        REQUIRE(free_bytes > 1 << 20); // the tmpfs, not the disk the temp dir is on
        filler_ = dir / "filler";
        std::ofstream out(filler_, std::ios::binary);
        std::string chunk(64 * 1024, '\0');
        auto leave = 32 * 1024u; // a few WAL frames' worth
        for (std::uintmax_t written = 0; written + chunk.size() + leave <= free_bytes; written += chunk.size())
            out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        out.close();
        return "a 16 MiB tmpfs filled to " + std::to_string(leave / 1024) + " KiB free";
    }
    void make_room(int) override { fs::remove(filler_); }

private:
    static std::string inside(int pid)
    {
        return "nsenter --target " + std::to_string(pid) + " --user --mount --preserve-credentials ";
    }
    static fs::path seen_from_outside(int pid, fs::path const& p)
    {
        return fs::path("/proc") / std::to_string(pid) / "root" / p.relative_path();
    }
    fs::path mount_point_;
    fs::path filler_;
};

class file_size_disk : public full_disk {
public:
    explicit file_size_disk(fs::path dir) { db = dir / "electd.db"; }
    std::int64_t query(int, std::string const& sql) const override { return query_int(db, sql); }
    command_result check(int) const override { return run_electd({"check", "--db", db.string()}); }
    std::string fill(int pid) override
    {
        // No file of electd's may grow past a little more than the biggest is now.
        auto limit = std::max(size_or_zero(db), size_or_zero(db.string() + "-wal")) + 64 * 1024;
        set_file_size_limit(pid, limit);
        return "a file-size limit of " + std::to_string(limit) + " bytes";
    }
    void make_room(int pid) override { set_file_size_limit(pid, RLIM_INFINITY); }
};

} // namespace

TEST_CASE("Disk full: ingest answers 503 and stores nothing, electd stays up, and recovers when space returns",
          "[e2e][diskfull]")
{
    temp_dir dir;
    std::unique_ptr<full_disk> disk;
    SECTION("a full tmpfs (ENOSPC)") { disk = std::make_unique<tmpfs_disk>(dir / "disk"); }
    SECTION("a file-size limit (EFBIG)") { disk = std::make_unique<file_size_disk>(dir.path()); }
    auto const& night = the_night();
    daemon_process daemon(disk->db, {}, disk->launcher());
    auto query = [&](std::string const& sql) { return disk->query(daemon.pid(), sql); };
    cli::http_client client(daemon.url(), 20s);
    std::map<std::string, std::int64_t> acknowledged; // seat -> seq

    auto post = [&](std::size_t i) {
        auto a = client.post_json("/v1/declarations", night[i].to_native_json());
        if (a.status == 201 || a.status == 200)
            acknowledged[night[i].ons_code] = json::parse(a.body).at("seq").as_int64();
        return a;
    };
    std::size_t next = 0;
    for (; next < 20; ++next)
        REQUIRE(post(next).status == 201);

    auto how = disk->fill(daemon.pid());
    cli::http_answer refused;
    for (; next < night.size(); ++next) {
        refused = post(next);
        if (refused.status != 201)
            break;
    }
    INFO(how << "; " << acknowledged.size() << " acknowledged before the first refusal: "
                  << refused.status << " " << refused.body << "\n" << daemon.log());
    REQUIRE(next < night.size());
    REQUIRE(refused.status == 503);
    CHECK(json::parse(refused.body).at("error").as_string() == "unavailable");
    CHECK(refused.header("Retry-After"));
    auto const& failed_seat = night[next].ons_code;
    auto refused_after = acknowledged.size();
    auto refused_message = std::string(json::parse(refused.body).at("message").as_string());

    // While storage fails: every attempt is refused the same way, nothing changes, electd stays up.
    auto declared = get_json(client, "/v1/totals").at("totals").at("declared").as_int64();
    auto last_alert = get_json(client, "/v1/alerts?limit=1").at("last_seq").as_int64();
    CHECK(declared == static_cast<std::int64_t>(acknowledged.size()));
    for (int attempt = 0; attempt < 3; ++attempt) {
        CHECK(post(next).status == 503);
        CHECK(post(next + 1).status == 503);
    }
    CHECK(acknowledged.count(failed_seat) == 0);
    CHECK(seat_status(client, failed_seat) == "awaiting");
    CHECK(get_json(client, "/v1/totals").at("totals").at("declared").as_int64() == declared);
    CHECK(get_json(client, "/v1/alerts?limit=1").at("last_seq").as_int64() == last_alert);
    auto ready = client.get("/readyz");
    INFO(ready.body);
    CHECK(ready.status == 503);
    CHECK(json::parse(ready.body).at("checks").at("storage").as_bool() == false);
    CHECK(client.get("/healthz").status == 200);
    CHECK(client.get("/metrics").body.find("electd_ingest_messages_total{source=\"http\",result=\"unavailable\"}")
          != std::string::npos);
    CHECK(query("SELECT COUNT(*) FROM declarations") == static_cast<std::int64_t>(acknowledged.size()));
    CHECK(daemon.running());

    // Space returns: the refused declaration goes in, and the night carries on.
    disk->make_room(daemon.pid());
    auto retried = post(next);
    INFO(retried.body);
    CHECK(retried.status == 201);
    CHECK(client.get("/readyz").status == 200);
    for (auto until = next + 30; ++next < until;)
        CHECK(post(next).status == 201);
    CHECK(seat_status(client, failed_seat) == "declared");

    // Everything acknowledged is stored once, nothing else is, and the database is sound
    // (read while electd runs, as an analyst would).
    CHECK(query("SELECT COUNT(*) FROM declarations") == static_cast<std::int64_t>(acknowledged.size()));
    CHECK(query("SELECT MAX(seq) FROM declarations") == static_cast<std::int64_t>(acknowledged.size()));
    for (auto const& [ons, seq] : acknowledged)
        CHECK(query("SELECT seq FROM declarations WHERE constituency = '" + ons + "'") == seq);
    auto check = disk->check(daemon.pid()); // while electd runs: a tmpfs goes with it
    INFO(check.output);
    CHECK(check.exit_code == 0);
    CHECK(daemon.terminate() == 0);
    std::cout << "diskfull: " << how << "; 503 after " << refused_after
              << " declarations (\"" << refused_message << "\"); " << acknowledged.size()
              << " acknowledged in all, all stored once\n";
}
