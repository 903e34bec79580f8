// Recommending units, exports (issue 12): a unit's entries and the organisation ranking as CSV
// and XLSX. Filled in by the exports work.
#include "web/units.h"

namespace laurel::web {

void add_unit_export_routes(Router&) {}

}  // namespace laurel::web
