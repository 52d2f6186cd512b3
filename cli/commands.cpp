#include "cli/commands.hpp"

#include "cli/replay_command.hpp"
#include "daemon/app.hpp"
#include "daemon/reference_loader.hpp"
#include "feeds/reference_csv.hpp"
#include "storage/migrations.hpp"
#include "storage/reference_store.hpp"

#include <boost/program_options.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

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
  version          print the version

`electd COMMAND --help` lists a command's options.
)";

void setup_logging(std::string const& level)
{
    auto logger = std::make_shared<spdlog::logger>("electd", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%-5l%$ [%n] %v");
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

std::pair<std::string, unsigned short> split_listen(std::string const& listen)
{
    auto colon = listen.rfind(':');
    if (colon == std::string::npos)
        throw po::error("--listen takes HOST:PORT, e.g. 127.0.0.1:8080");
    auto host = listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    int port = 0;
    try {
        port = std::stoi(listen.substr(colon + 1));
    } catch (std::exception const&) {
        port = -1;
    }
    if (port < 0 || port > 65535)
        throw po::error("--listen: '" + listen.substr(colon + 1) + "' is not a port number (0-65535)");
    return {host, static_cast<unsigned short>(port)};
}

int serve(std::vector<std::string> const& args)
{
    daemon::server_config cfg;
    std::string listen = "127.0.0.1:8080", log_level = "info";
    int heartbeat = 15;
    std::string reference;
    po::options_description desc("serve options");
    desc.add_options()
        ("help,h", "show this help")
        ("listen", po::value(&listen)->default_value(listen), "HOST:PORT to listen on (port 0 picks a free one)")
        ("db", po::value(&cfg.db_path)->default_value(cfg.db_path), "SQLite database file (created if missing)")
        ("reference", po::value(&reference), "reference data directory (default: the bundled 2024 data)")
        ("threads", po::value(&cfg.threads)->default_value(cfg.threads), "network threads")
        ("max-body", po::value(&cfg.max_body_bytes)->default_value(cfg.max_body_bytes), "largest request body, bytes")
        ("max-connections", po::value(&cfg.max_connections)->default_value(cfg.max_connections), "open connections at most")
        ("max-subscribers", po::value(&cfg.max_subscribers)->default_value(cfg.max_subscribers), "WebSocket and SSE subscribers at most")
        ("max-subscribers-per-address", po::value(&cfg.max_subscribers_per_address)->default_value(cfg.max_subscribers_per_address), "subscribers from one address at most")
        ("max-queue", po::value(&cfg.max_queue)->default_value(cfg.max_queue), "messages waiting for one subscriber before it is closed as too slow")
        ("heartbeat", po::value(&heartbeat)->default_value(heartbeat), "seconds between heartbeat messages to subscribers")
        ("admin-token", po::value(&cfg.admin_token), "bearer token for /v1/admin/... (or ELECTD_ADMIN_TOKEN); none: admin off")
        ("log-level", po::value(&log_level)->default_value(log_level), "trace, debug, info, warn, error or off");
    po::variables_map vm;
    if (!parse(desc, args, vm, "usage: electd serve [--listen HOST:PORT] [--db FILE] [OPTIONS]"))
        return 0;
    if (cfg.admin_token.empty())
        if (auto const* env = std::getenv("ELECTD_ADMIN_TOKEN"))
            cfg.admin_token = env;
    setup_logging(log_level);
    std::tie(cfg.listen_host, cfg.listen_port) = split_listen(listen);
    if (!reference.empty())
        cfg.reference_dir = reference;
    if (cfg.threads < 1)
        throw po::error("--threads must be at least 1");
    if (heartbeat < 1)
        throw po::error("--heartbeat must be at least 1 second");
    cfg.heartbeat = std::chrono::seconds(heartbeat);
    if (cfg.max_queue < 16)
        throw po::error("--max-queue must be at least 16");
    return daemon::run_server(cfg);
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
        ("quiet,q", po::bool_switch(&opt.quiet), "print only problems and the summary");
    po::variables_map vm;
    if (!parse(desc, args, vm, "usage: electd replay [--url URL] [--speed N | --fast] [OPTIONS]"))
        return 0;
    if (!night.empty())
        opt.night_dir = night;
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
        if (command == "version" || command == "--version") {
            std::cout << version_text << "\n";
            return 0;
        }
        std::cerr << "electd: unknown command '" << command << "'\n\n" << usage_text;
        return 2;
    } catch (po::error const& e) {
        std::cerr << "electd " << command << ": " << e.what() << " (see electd " << command << " --help)\n";
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
