// The bundled 2024 reference, for unit tests that check the explainer's figures.
#include "daemon/reference_loader.hpp"

std::shared_ptr<electd::core::reference_data> bundled_reference()
{
    static auto ref = electd::daemon::read_bundled_reference();
    return ref;
}
