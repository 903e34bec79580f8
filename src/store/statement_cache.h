// StatementCache: a connection's prepared statements by SQL text, least recently used evicted
// past a fixed capacity — so no sequence of requests can grow it without bound, whatever SQL
// texts they cause. Not thread-safe (a connection is used by one thread at a time).
#pragma once
#include <cstddef>
#include <functional>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace laurel::store {

template <class Handle>
class StatementCache {
 public:
  // `evict` releases a handle that leaves the cache (sqlite3_finalize, DEALLOCATE…).
  StatementCache(size_t capacity, std::function<void(Handle&)> evict)
      : capacity_(capacity ? capacity : 1), evict_(std::move(evict)) {}
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;
  ~StatementCache() { clear(); }

  // The handle for `sql`, now the most recently used; nullptr when not cached.
  Handle* find(std::string_view sql) {
    auto it = index_.find(sql);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return &it->second->second;
  }
  // Adds `sql` (not cached yet) and returns its handle; evicts the least recently used first
  // when full.
  Handle& put(std::string sql, Handle h) {
    if (order_.size() >= capacity_) {
      auto& victim = order_.back();
      index_.erase(std::string_view(victim.first));
      evict_(victim.second);
      order_.pop_back();
    }
    order_.emplace_front(std::move(sql), std::move(h));
    index_.emplace(std::string_view(order_.front().first), order_.begin());
    return order_.front().second;
  }
  void clear() {
    for (auto& [sql, h] : order_) evict_(h);
    order_.clear();
    index_.clear();
  }
  size_t size() const { return order_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  size_t capacity_;
  std::function<void(Handle&)> evict_;
  std::list<std::pair<std::string, Handle>> order_;  // most recently used first
  std::unordered_map<std::string_view, typename std::list<std::pair<std::string, Handle>>::iterator> index_;
};

// Statements each connection keeps prepared. Laurel's own SQL is a few hundred texts at most.
inline constexpr size_t kStatementCacheSize = 256;

}  // namespace laurel::store
