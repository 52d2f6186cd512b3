#include "daemon/reference_loader.hpp"

#include "embed/embedded.hpp"
#include "feeds/reference_csv.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace electd::daemon {

std::shared_ptr<core::reference_data> read_reference_dir(std::string const& dir)
{
    if (!std::filesystem::is_directory(dir))
        throw feeds::reference_error("reference directory '" + dir + "' does not exist");
    return feeds::read_reference([&](std::string const& name) -> std::optional<std::string> {
        std::ifstream in(std::filesystem::path(dir) / name, std::ios::binary);
        if (!in)
            return std::nullopt;
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    });
}

std::shared_ptr<core::reference_data> read_bundled_reference()
{
    return feeds::read_reference([](std::string const& name) -> std::optional<std::string> {
        if (auto data = embedded::find("data/ge2024/reference/" + name))
            return std::string(*data);
        return std::nullopt;
    });
}

std::string bundled_short_name()
{
    return "ge2024";
}

} // namespace electd::daemon
