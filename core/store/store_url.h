// Store locations: an SQLite file path or a PostgreSQL URL (postgresql://user@host:port/dbname).
#pragma once
#include <string>

namespace swepo {

bool store_is_url(const std::string& location);  // postgresql:// or postgres://
// The URL with any password replaced by ***, for messages; a path unchanged.
std::string store_redact(const std::string& location);
// The URL naming database `dbname` instead of its own (query parameters kept).
std::string store_url_with_dbname(const std::string& url, const std::string& dbname);
// What a child process or another machine can open: a URL as is, a path made absolute.
std::string store_location_absolute(const std::string& location);

}  // namespace swepo
