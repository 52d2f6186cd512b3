#pragma once
// One named spdlog logger per module ("storage", "tracker", "http", ...), sharing the sinks the
// process configured on the default logger before anything logs. Thread-safe.
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace electd {

inline std::shared_ptr<spdlog::logger> module_logger(std::string const& name)
{
    if (auto l = spdlog::get(name))
        return l;
    auto l = spdlog::default_logger()->clone(name);
    try {
        spdlog::register_logger(l);
    } catch (spdlog::spdlog_ex const&) { // another thread registered it first
        if (auto existing = spdlog::get(name))
            return existing;
    }
    return l;
}

} // namespace electd
