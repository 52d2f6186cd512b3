#include "daemon/reference_loader.hpp"

#include "embed/embedded.hpp"
#include "feeds/model_files.hpp"
#include "storage/model_store.hpp"
#include "storage/reference_store.hpp"
#include "support/log.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace electd::daemon {

feeds::file_source directory_files(std::string const& dir)
{
    return [dir](std::string const& name) -> std::optional<std::string> {
        std::ifstream in(std::filesystem::path(dir) / name, std::ios::binary);
        if (!in)
            return std::nullopt;
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    };
}

feeds::file_source bundled_files()
{
    return [](std::string const& name) -> std::optional<std::string> {
        if (auto data = embedded::find("data/ge2024/reference/" + name))
            return std::string(*data);
        return std::nullopt;
    };
}

std::shared_ptr<core::reference_data> read_reference_dir(std::string const& dir)
{
    if (!std::filesystem::is_directory(dir))
        throw feeds::reference_error("reference directory '" + dir + "' does not exist");
    return feeds::read_reference(directory_files(dir));
}

std::shared_ptr<core::reference_data> read_bundled_reference()
{
    return feeds::read_reference(bundled_files());
}

// A reference directory's models/ (exit poll, projections, scenarios) are loaded once; a model
// uploaded on the night is never overwritten by the files.
void load_models(storage::connection& db, feeds::file_source const& files, std::string const& source)
{
    auto ref = storage::load_reference(db);
    auto models = feeds::read_models(files, *ref);
    std::set<std::string> stored;
    for (auto const& m : storage::load_models(db, *ref))
        stored.insert(m->name);
    storage::transaction tx(db);
    int loaded = 0;
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
    for (auto const& m : models) {
        if (stored.count(m->name))
            continue;
        storage::save_model(db, *m, *ref, source + "/models", {}, now.count());
        ++loaded;
    }
    tx.commit();
    if (loaded > 0)
        module_logger("app")->info("loaded {} forecast models (exit poll, projections, scenarios) from {}", loaded, source);
}

std::string bundled_short_name()
{
    return "ge2024";
}

} // namespace electd::daemon
