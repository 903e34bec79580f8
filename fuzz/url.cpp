// Boost.URL built from its own sources inside the fuzz build (instrumented with the harnesses).
#include <boost/url/src.hpp>
