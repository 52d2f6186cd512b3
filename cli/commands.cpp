#include "cli/commands.hpp"

#include "cli/replay_command.hpp"
#include "daemon/app.hpp"
#include "daemon/archive_queries.hpp"
#include "daemon/config.hpp"
#include "daemon/reference_loader.hpp"
#include "feeds/reference_csv.hpp"
#include "storage/maintenance.hpp"
#include "storage/migrations.hpp"
#include "storage/reference_store.hpp"

#include <boost/program_options.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace electd::cli {
namespace po = boost::program_options;

namespace {

constexpr char const* version_text = "electd 0.1.0";

constexpr char const* usage_text = R"(electd: an election-night results daemon

usage: electd COMMAND [OPTIONS]

commands:
  serve            run the daemon (HTTP API, ingest, tracker)
  replay           replay the real 4 July 2024 night into a running daemon
  load-reference   load an election's reference data (CSV directory) into a database
  check-config     check a TOML configuration file and print the settings it gives
  backup           copy a database safely while the daemon runs (SQLite online backup)
  check            check a database: integrity, gap-free sequences, every revision once
  query            ask the archive: totals, seats, gains, closest, swings, turnout, regions, alerts, history
  version          print the version

`electd COMMAND --help` lists a command's options.
)";

// The message as a JSON string's contents, for --log-format json.
class json_message_flag : public spdlog::custom_flag_formatter {
public:
    void format(spdlog::details::log_msg const& msg, std::tm const&, spdlog::memory_buf_t& dest) override
    {
        for (char c : std::string_view(msg.payload.data(), msg.payload.size())) {
            switch (c) {
            case '"': dest.append(std::string_view("\\\"")); break;
            case '\\': dest.append(std::string_view("\\\\")); break;
            case '\n': dest.append(std::string_view("\\n")); break;
            case '\t': dest.append(std::string_view("\\t")); break;
            case '\r': dest.append(std::string_view("\\r")); break;
            default:
                if (static_cast<unsigned char>(c) < 0x20)
                    fmt::format_to(std::back_inserter(dest), "\\u{:04x}", static_cast<int>(c));
                else
                    dest.push_back(c);
            }
        }
    }
    std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<json_message_flag>(); }
};

void setup_logging(std::string const& level, std::string const& format = "text")
{
    auto logger = std::make_shared<spdlog::logger>("electd", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    if (format == "json") {
        // One object per line for journald/Loki/Elastic; module names and levels are plain words.
        auto f = std::make_unique<spdlog::pattern_formatter>();
        f->add_flag<json_message_flag>('*').set_pattern(
            R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","module":"%n","thread":%t,"message":"%*"})");
        logger->set_formatter(std::move(f));
    } else {
        logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%-5l%$ [%n] %v");
    }
    spdlog::set_default_logger(logger);
    auto lvl = spdlog::level::from_str(level);
    if (lvl == spdlog::level::off && level != "off")
        throw po::error("unknown log level '" + level + "' (trace, debug, info, warn, error, off)");
    spdlog::set_level(lvl);
}

// Parses options for one subcommand; prints help and returns false when asked for it.
bool parse(po::options_description const& desc, std::vector<std::string> const& args, po::variables_map& vm,
           char const* usage, po::positional_options_description const* positional = nullptr)
{
    auto parser = po::command_line_parser(args).options(desc);
    if (positional)
        parser.positional(*positional);
    po::store(parser.run(), vm);
    if (vm.count("help")) {
        std::cout << usage << "\n" << desc << "\n";
        return false;
    }
    po::notify(vm);
    return true;
}

// Defaults, then the --config file, then ELECTD_* variables, then the command line.
daemon::server_config read_serve_config(std::vector<std::string> const& args, bool& help_shown)
{
    daemon::server_config defaults;
    po::options_description desc("serve options (each also ELECTD_<NAME> in the environment)");
    desc.add_options()("help,h", "show this help")("config", po::value<std::string>(), "TOML configuration file");
    for (auto const& o : daemon::serve_options()) {
        auto shown = o.show(defaults);
        if (o.flag)
            desc.add_options()(o.cli.c_str(), po::bool_switch(), o.help.c_str());
        else
            desc.add_options()(o.cli.c_str(), po::value<std::string>(),
                               (o.help + (shown.empty() ? "" : " [" + shown + "]")).c_str());
    }
    po::variables_map vm;
    help_shown = !parse(desc, args, vm,
                        "usage: electd serve [--config FILE] [--listen HOST:PORT] [--db FILE] [OPTIONS]\n"
                        "Settings come from defaults, then the --config file, then ELECTD_* variables, then options.");
    daemon::server_config cfg;
    if (help_shown)
        return cfg;
    if (vm.count("config"))
        daemon::apply_config_file(vm["config"].as<std::string>(), cfg);
    daemon::apply_environment(cfg);
    for (auto const& o : daemon::serve_options()) {
        if (!vm.count(o.cli) || (o.flag && !vm[o.cli].as<bool>()))
            continue;
        try {
            o.set(cfg, o.flag ? "true" : vm[o.cli].as<std::string>());
        } catch (std::invalid_argument const& e) {
            throw po::error("--" + o.cli + " " + e.what());
        }
    }
    daemon::validate(cfg);
    return cfg;
}

int serve(std::vector<std::string> const& args)
{
    bool help_shown = false;
    auto cfg = read_serve_config(args, help_shown);
    if (help_shown)
        return 0;
    setup_logging(cfg.log_level, cfg.log_format);
    return daemon::run_server(cfg, [args] {
        bool ignored = false;
        return read_serve_config(args, ignored);
    });
}

int query(std::vector<std::string> const& args)
{
    std::string what, db_path, as_of, order = "high", format = "table", party, region, constituency;
    std::size_t n = 20;
    std::vector<std::string> types;
    std::string min_severity;
    std::string names;
    for (auto const& q : daemon::archive_queries())
        names += (names.empty() ? "" : ", ") + q;
    po::options_description desc("query options");
    desc.add_options()
        ("help,h", "show this help")
        ("what", po::value(&what)->required(), ("the question: " + names).c_str())
        ("db", po::value(&db_path)->required(), "the electd database (read-only; safe while the daemon runs)")
        ("as-of", po::value(&as_of), "the night as it stood then, e.g. 2024-07-05T02:00:00+01:00")
        ("n", po::value(&n)->default_value(n), "rows for closest, swings and turnout")
        ("order", po::value(&order)->default_value(order), "turnout: high or low")
        ("party", po::value(&party), "gains and alerts: one party")
        ("region", po::value(&region), "gains and alerts: one region")
        ("type", po::value(&types)->multitoken(), "alerts: these types")
        ("min-severity", po::value(&min_severity), "alerts: at least this severity")
        ("constituency", po::value(&constituency), "history (and alerts): the seat's ONS code")
        ("format", po::value(&format)->default_value(format), "table, csv or json");
    po::positional_options_description pos;
    pos.add("what", 1).add("constituency", 1);
    po::variables_map vm;
    if (!parse(desc, args, vm, ("usage: electd query WHAT --db FILE [OPTIONS]\nWHAT: " + names).c_str(), &pos))
        return 0;
    daemon::archive_params p;
    if (!as_of.empty()) {
        auto t = core::parse_rfc3339(as_of);
        if (!t)
            throw po::error("--as-of '" + as_of + "' is not an RFC 3339 time with an offset, e.g. 2024-07-05T02:00:00+01:00");
        p.as_of = t->utc;
    }
    if (order != "high" && order != "low")
        throw po::error("--order must be high or low");
    if (format != "table" && format != "csv" && format != "json")
        throw po::error("--format must be table, csv or json");
    p.n = n;
    p.highest = order == "high";
    p.party = party;
    p.region = region;
    p.constituency = constituency;
    p.alerts.types = {types.begin(), types.end()};
    for (auto const& t : p.alerts.types)
        if (!daemon::is_alert_type(t))
            throw po::error("--type: unknown alert type '" + t + "'");
    if (!min_severity.empty()) {
        auto level = core::severity_from(min_severity);
        if (!level)
            throw po::error("--min-severity must be info, low, medium, high or critical");
        p.alerts.min_level = *level;
    }
    if (!party.empty())
        p.alerts.parties = {party};
    if (!region.empty())
        p.alerts.regions = {region};
    if (!constituency.empty() && what == "alerts")
        p.alerts.constituencies = {constituency};
    if (!std::filesystem::exists(db_path))
        throw std::runtime_error("no database at '" + db_path + "'");
    auto t = daemon::run_archive_query(what, db_path, p);
    if (format == "json")
        std::cout << core::to_json(t) << "\n";
    else if (format == "csv")
        std::cout << core::to_csv(t);
    else
        std::cout << core::to_text(t) << "(" << t.rows.size() << " rows" << (as_of.empty() ? "" : ", as of " + as_of)
                  << ")\n";
    return 0;
}

int backup(std::vector<std::string> const& args)
{
    std::string from, to;
    po::options_description desc("backup options");
    desc.add_options()
        ("help,h", "show this help")
        ("db", po::value(&from)->required(), "the electd database (the daemon may be running)")
        ("to", po::value(&to)->required(), "the backup file to write (must not exist)");
    po::variables_map vm;
    if (!parse(desc, args, vm, "usage: electd backup --db FILE --to FILE"))
        return 0;
    if (!std::filesystem::exists(from))
        throw std::runtime_error("no database at '" + from + "'");
    if (std::filesystem::exists(to))
        throw std::runtime_error("'" + to + "' exists already; choose a new file");
    int last_percent = -1;
    storage::backup(from, to, [&](int done, int total) {
        int percent = total ? 100 * done / total : 100;
        if (percent != last_percent && isatty(STDERR_FILENO))
            std::cerr << "\rbackup: " << percent << "% (" << done << " of " << total << " pages)" << std::flush;
        last_percent = percent;
    });
    if (isatty(STDERR_FILENO))
        std::cerr << "\n";
    auto report = storage::check(to);
    std::cout << "backed up " << from << " to " << to << " (" << std::filesystem::file_size(to) << " bytes)"
              << (report.problems.empty() ? ", checked: ok" : ", but the copy fails its check") << "\n";
    for (auto const& p : report.problems)
        std::cout << "  problem: " << p << "\n";
    return report.problems.empty() ? 0 : 1;
}

int check_db(std::vector<std::string> const& args)
{
    std::string db;
    po::options_description desc("check options");
    desc.add_options()("help,h", "show this help")("db", po::value(&db)->required(), "the electd database");
    po::variables_map vm;
    if (!parse(desc, args, vm, "usage: electd check --db FILE"))
        return 0;
    if (!std::filesystem::exists(db))
        throw std::runtime_error("no database at '" + db + "'");
    auto report = storage::check(db);
    for (auto const& f : report.facts)
        std::cout << "ok: " << f << "\n";
    for (auto const& p : report.problems)
        std::cout << "PROBLEM: " << p << "\n";
    std::cout << (report.problems.empty() ? db + " is consistent\n" : db + " has problems\n");
    return report.problems.empty() ? 0 : 1;
}

int check_config(std::vector<std::string> const& args)
{
    if (args.size() != 1 || args[0] == "--help" || args[0] == "-h") {
        std::cout << "usage: electd check-config FILE\nChecks a TOML configuration file and prints the settings it gives "
                     "(with the environment's ELECTD_* variables applied).\n";
        return args.size() == 1 ? 0 : 2;
    }
    daemon::server_config cfg;
    daemon::apply_config_file(args[0], cfg);
    daemon::apply_environment(cfg);
    daemon::validate(cfg);
    std::cout << "# " << args[0] << " is valid; the settings it gives:\n" << daemon::describe(cfg);
    return 0;
}

int replay(std::vector<std::string> const& args)
{
    replay_options opt;
    std::string night;
    po::options_description desc("replay options");
    desc.add_options()
        ("help,h", "show this help")
        ("url", po::value(&opt.url)->default_value(opt.url), "the daemon to replay into")
        ("speed", po::value(&opt.speed)->default_value(opt.speed), "how many times faster than real time (60 = an hour a minute)")
        ("fast", po::bool_switch(&opt.fast), "send as fast as the daemon takes them")
        ("max-wait", po::value(&opt.max_wait)->default_value(opt.max_wait), "cap on any single pause, seconds (0 = none)")
        ("night", po::value(&night), "night directory (declarations.csv, candidates.csv); default: bundled 2024")
        ("limit", po::value(&opt.limit)->default_value(opt.limit), "stop after N declarations (0 = all)")
        ("retry-for", po::value(&opt.retry_for)->default_value(opt.retry_for), "keep retrying an unreachable daemon, seconds")
        ("token", po::value(&opt.token), "bearer token with the ingest role (default: $ELECTD_TOKEN)")
        ("quiet,q", po::bool_switch(&opt.quiet), "print only problems and the summary");
    po::variables_map vm;
    if (!parse(desc, args, vm, "usage: electd replay [--url URL] [--speed N | --fast] [OPTIONS]"))
        return 0;
    if (!night.empty())
        opt.night_dir = night;
    if (opt.token.empty())
        if (auto const* t = std::getenv("ELECTD_TOKEN"))
            opt.token = t;
    if (!(opt.speed > 0))
        throw po::error("--speed must be greater than 0");
    return run_replay(opt);
}

int load_reference(std::vector<std::string> const& args)
{
    std::string dir, db_path;
    po::options_description desc("load-reference options");
    desc.add_options()
        ("help,h", "show this help")
        ("dir", po::value(&dir)->required(), "reference directory (see data/README.md for the layout)")
        ("db", po::value(&db_path)->required(), "SQLite database file (created if missing)");
    po::positional_options_description pos;
    pos.add("dir", 1);
    po::variables_map vm;
    if (!parse(desc, args, vm, "usage: electd load-reference DIR --db FILE", &pos))
        return 0;
    setup_logging("info");
    auto ref = daemon::read_reference_dir(dir);
    storage::connection db(db_path);
    storage::migrate(db);
    auto outcome = storage::save_reference(db, *ref, dir);
    daemon::load_models(db, daemon::directory_files(dir), dir);
    std::size_t baseline_seats = 0;
    for (core::seat_index i = 0; i < ref->seat_count(); ++i)
        baseline_seats += ref->baseline_of(i).empty() ? 0 : 1;
    switch (outcome) {
    case storage::reference_outcome::already_current:
        std::cout << db_path << " already holds '" << ref->info.short_name << "' version " << ref->info.data_version
                  << " or newer; nothing to do\n";
        break;
    case storage::reference_outcome::loaded:
    case storage::reference_outcome::upgraded:
        std::cout << (outcome == storage::reference_outcome::loaded ? "loaded" : "upgraded to") << " '"
                  << ref->info.name << "' version " << ref->info.data_version << " into " << db_path << ": "
                  << ref->seat_count() << " constituencies (" << baseline_seats << " with a baseline), "
                  << ref->parties.size() << " parties, " << ref->watchlist().size() << " seats to watch, "
                  << ref->nominations().size() << " candidates\n";
        break;
    }
    return 0;
}

} // namespace

int run(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
        std::cout << usage_text;
        return args.empty() ? 2 : 0;
    }
    auto command = args[0];
    args.erase(args.begin());
    try {
        if (command == "serve")
            return serve(args);
        if (command == "replay")
            return replay(args);
        if (command == "load-reference")
            return load_reference(args);
        if (command == "check-config")
            return check_config(args);
        if (command == "query")
            return query(args);
        if (command == "backup")
            return backup(args);
        if (command == "check")
            return check_db(args);
        if (command == "version" || command == "--version") {
            std::cout << version_text << "\n";
            return 0;
        }
        std::cerr << "electd: unknown command '" << command << "'\n\n" << usage_text;
        return 2;
    } catch (po::error const& e) {
        std::cerr << "electd " << command << ": " << e.what() << " (see electd " << command << " --help)\n";
        return 2;
    } catch (daemon::config_error const& e) {
        std::cerr << "electd " << command << ": configuration: " << e.what() << "\n";
        return 2;
    } catch (feeds::reference_error const& e) {
        std::cerr << "electd " << command << ": reference data: " << e.what() << "\n";
        return 1;
    } catch (std::exception const& e) {
        std::cerr << "electd " << command << ": " << e.what() << "\n";
        return 1;
    }
}

} // namespace electd::cli
