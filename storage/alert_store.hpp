#pragma once
// Alerts in the database: appended by the writer in the declaration's transaction, read back
// at start-up. Used by one thread at a time per connection.
#include "core/alert.hpp"
#include "storage/sqlite.hpp"

#include <functional>

namespace electd::storage {

class alert_writer {
public:
    explicit alert_writer(connection& db);
    void append(core::alert const& a, core::reference_data const& ref);

private:
    statement insert_;
};

/// Every stored alert in seq order.
void for_each_alert(connection& db, core::reference_data const& ref, std::function<void(core::alert&&)> const& fn);

} // namespace electd::storage
