#include "core/store/store_url.h"

#include <filesystem>

namespace swepo {

bool store_is_url(const std::string& s) {
  return s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0;
}

std::string store_redact(const std::string& s) {
  if (!store_is_url(s)) return s;
  size_t scheme = s.find("://") + 3;
  size_t at = s.find('@', scheme);
  size_t slash = s.find('/', scheme);
  if (at == std::string::npos || (slash != std::string::npos && at > slash)) return s;
  size_t colon = s.find(':', scheme);
  if (colon == std::string::npos || colon > at) return s;
  return s.substr(0, colon + 1) + "***" + s.substr(at);
}

std::string store_url_with_dbname(const std::string& url, const std::string& dbname) {
  size_t scheme = url.find("://") + 3;
  size_t q = url.find('?', scheme);
  std::string head = url.substr(0, q), tail = q == std::string::npos ? "" : url.substr(q);
  size_t slash = head.find('/', scheme);
  if (slash != std::string::npos) head = head.substr(0, slash);
  return head + "/" + dbname + tail;
}

std::string store_location_absolute(const std::string& s) {
  return store_is_url(s) ? s : std::filesystem::absolute(s).string();
}

}  // namespace swepo
