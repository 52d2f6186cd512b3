#pragma once
// Tells systemd how the service is doing (Type=notify): READY once the database is migrated and
// the listener is up, RELOADING/READY around a SIGHUP, STOPPING on shutdown, and WATCHDOG pings
// while the tracker keeps coming round. Without $NOTIFY_SOCKET each call does nothing.
#include <chrono>
#include <optional>
#include <string_view>

namespace electd::daemon {

void notify_systemd(std::string_view state);

/// Half of WatchdogSec when systemd asked for pings ($WATCHDOG_USEC), else nullopt.
std::optional<std::chrono::microseconds> watchdog_interval();

} // namespace electd::daemon
