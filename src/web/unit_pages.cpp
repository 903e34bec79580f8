// Recommending units, pages (issue 12). Filled in by the pages work.
#include "web/units.h"

namespace laurel::web {

void add_unit_page_routes(Router&) {}

}  // namespace laurel::web
