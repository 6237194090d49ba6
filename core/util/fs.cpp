#include "core/util/fs.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "core/util/error.h"

namespace swepo {
namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError("cannot read file '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void make_dirs(const std::string& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw UserError("cannot create directory '" + dir + "': " + ec.message());
}

namespace {

// Removes PATH.tmp.<pid> files that a writer killed mid-write left (a SIGKILLed checkpoint write
// leaves a temporary as large as the checkpoint): only those whose pid is not a live process here
// and that were last written over an hour ago, so that a write in flight (on this host, or on
// another host sharing the file system, whose pids this host cannot see) is never touched. Best
// effort: an error leaves the file.
void remove_stale_temporaries(const fs::path& p) {
  const std::string prefix = p.filename().string() + ".tmp.";
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::error_code ec;
  const auto now = fs::file_time_type::clock::now();
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string pid_text = name.substr(prefix.size());
    if (pid_text.size() > 9 || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid <= 0 || pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    std::error_code tec;
    const auto written = fs::last_write_time(it->path(), tec);
    if (tec || now - written < std::chrono::hours(1)) continue;
    fs::remove(it->path(), tec);
  }
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& content) {
  fs::path p(path);
  if (p.has_parent_path()) make_dirs(p.parent_path().string());
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  // POSIX calls, so a full disk (ENOSPC) or a file size limit (EFBIG) is reported as such, the
  // temporary file never outlives a failure, and the data is on disk (fsync) before the rename
  // makes it visible: a reader sees the old file or the new one, never a torn one.
  auto fail = [&](const std::string& what, int err) {
    ::unlink(tmp.c_str());
    throw UserError("cannot write '" + path + "' (" + what + "): " + std::strerror(err) +
                    (err == ENOSPC || err == EFBIG || err == EDQUOT
                         ? "; free disk space (or raise the file size limit) and rerun: the previous "
                           "file, if any, is unchanged"
                         : ""));
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw UserError("cannot write file '" + tmp + "': " + std::strerror(errno));
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      fail("write", err);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    fail("fsync", err);
  }
  if (::close(fd) != 0) fail("close", errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw UserError("cannot rename '" + tmp + "' to '" + path + "': " + std::strerror(err));
  }
  remove_stale_temporaries(p);
}

}  // namespace swepo
