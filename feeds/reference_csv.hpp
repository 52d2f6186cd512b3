#pragma once
// Reads an election's reference data from the documented CSV layout (data/README.md):
// election.csv, constituencies.csv, parties.csv, party_aliases.csv, notional.csv and the
// optional watchlist.csv, bellwethers.csv, notables.csv and candidates.csv. Pure: files come
// from a caller-supplied source.
#include "core/reference.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace electd::feeds {

/// Returns a file's bytes by its name within the reference directory, or nullopt if absent.
using file_source = std::function<std::optional<std::string>(std::string const& name)>;

/// A reference directory that cannot be used; the message names the file, line and problem.
class reference_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

std::shared_ptr<core::reference_data> read_reference(file_source const& files);

/// watchlist.csv (ons_code,note) against `ref`: the seats to watch, in order.
std::vector<core::watch_entry> read_watchlist(std::string const& data, core::reference_data const& ref);

} // namespace electd::feeds
