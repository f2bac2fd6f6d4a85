// Asio and Beast are compiled once, here (BOOST_ASIO_SEPARATE_COMPILATION and
// BOOST_BEAST_SEPARATE_COMPILATION), instead of in every file that includes them.
// Without the precompiled header (CMakeLists.txt), so that the pragma below covers Beast's
// own code: GCC 12 warns that the boost::optional Beast returns from content_length() may
// be used uninitialised, a false positive inside Boost that -Werror builds must not fail on.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#pragma GCC diagnostic pop
