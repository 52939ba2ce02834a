// The standard INFO sections, with Redis 7.0's field names and order. Fields
// of subsystems AiKv doesn't have (replication links, forks, defrag...) print
// their idle values so tools that parse INFO find every field they expect.

import { arch, release, type as osType, machine, totalmem } from "node:os";
import type { Command } from "../commands/table.ts";
import { saveStatus } from "../commands/persistence.ts";
import { scriptingStats } from "../scripting/scripting.ts";
import { REDIS_COMPAT_VERSION, type Server, VERSION } from "../server.ts";
import { bytesToHuman, type InfoFields, setStandardInfoFields } from "./info.ts";

const ZERO_REPLID = "0".repeat(40);

/** A config parameter that another engineer's registry may not declare yet. */
function configOr(s: Server, name: string, fallback: string): string {
  return s.config.def(name) ? s.config.str(name) : fallback;
}

function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

setStandardInfoFields("server", (s) => {
  const now = Date.now();
  const uptime = unixSeconds(now - s.startedAt);
  return [
    ["redis_version", REDIS_COMPAT_VERSION],
    ["redis_git_sha1", "00000000"],
    ["redis_git_dirty", 0],
    ["redis_build_id", "0"],
    ["redis_mode", "standalone"],
    ["os", `${osType()} ${release()} ${machine?.() ?? arch()}`],
    ["arch_bits", 64],
    ["monotonic_clock", "POSIX clock_gettime"],
    ["multiplexing_api", "epoll"],
    ["atomicvar_api", "c11-builtin"],
    ["gcc_version", "0.0.0"],
    ["process_id", process.pid],
    ["process_supervised", "no"],
    ["run_id", s.observability.runId],
    ["tcp_port", s.port],
    ["server_time_usec", Math.floor((performance.timeOrigin + performance.now()) * 1000)],
    ["uptime_in_seconds", uptime],
    ["uptime_in_days", Math.floor(uptime / 86400)],
    ["hz", s.config.num("hz")],
    ["configured_hz", s.config.num("hz")],
    ["lru_clock", unixSeconds(now) & 0xffffff],
    ["executable", process.argv[1] ?? process.execPath],
    ["config_file", s.config.file ?? ""],
    ["io_threads_active", 0],
    ["aikv_version", VERSION],
    ["aikv_engine", s.engine.name],
  ];
});

setStandardInfoFields("clients", (s) => [
  ["connected_clients", s.clients.size],
  ["cluster_connections", 0],
  ["maxclients", s.config.num("maxclients")],
  ["client_recent_max_input_buffer", 0],
  ["client_recent_max_output_buffer", 0],
  ["blocked_clients", 0],
  ["tracking_clients", 0],
  ["clients_in_timeout_table", 0],
]);

/** Heap and buffers in use by the process: the closest thing to Redis's allocator-reported used_memory. */
export function usedMemory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

setStandardInfoFields("memory", (s) => {
  const m = process.memoryUsage();
  const used = m.heapUsed + m.external;
  const peak = Math.max(s.observability.peakMemory, used);
  const startup = s.observability.startupMemory;
  const maxmemory = s.config.def("maxmemory") ? s.config.num("maxmemory") : 0;
  const total = totalmem();
  const ratio = (a: number, b: number) => (b > 0 ? a / b : 0).toFixed(2);
  const lua = scriptingStats(s);
  return [
    ["used_memory", used],
    ["used_memory_human", bytesToHuman(used)],
    ["used_memory_rss", m.rss],
    ["used_memory_rss_human", bytesToHuman(m.rss)],
    ["used_memory_peak", peak],
    ["used_memory_peak_human", bytesToHuman(peak)],
    ["used_memory_peak_perc", `${((used * 100) / peak).toFixed(2)}%`],
    ["used_memory_overhead", startup],
    ["used_memory_startup", startup],
    ["used_memory_dataset", Math.max(0, used - startup)],
    ["used_memory_dataset_perc", `${((Math.max(0, used - startup) * 100) / Math.max(1, used)).toFixed(2)}%`],
    ["allocator_allocated", used],
    ["allocator_active", m.heapTotal + m.external],
    ["allocator_resident", m.rss],
    ["total_system_memory", total],
    ["total_system_memory_human", bytesToHuman(total)],
    // One Lua VM serves EVAL and functions: its memory is reported as the EVAL VM's.
    ["used_memory_lua", lua.vmBytes],
    ["used_memory_vm_eval", lua.vmBytes],
    ["used_memory_lua_human", bytesToHuman(lua.vmBytes)],
    ["used_memory_scripts_eval", lua.scriptsBytes],
    ["number_of_cached_scripts", lua.cachedScripts],
    ["number_of_functions", lua.functions],
    ["number_of_libraries", lua.libraries],
    ["used_memory_vm_functions", 0],
    ["used_memory_vm_total", lua.vmBytes],
    ["used_memory_vm_total_human", bytesToHuman(lua.vmBytes)],
    ["used_memory_functions", 0],
    ["used_memory_scripts", lua.scriptsBytes],
    ["used_memory_scripts_human", bytesToHuman(lua.scriptsBytes)],
    ["maxmemory", maxmemory],
    ["maxmemory_human", bytesToHuman(maxmemory)],
    ["maxmemory_policy", configOr(s, "maxmemory-policy", "noeviction")],
    ["allocator_frag_ratio", ratio(m.heapTotal + m.external, used)],
    ["allocator_frag_bytes", Math.max(0, m.heapTotal - m.heapUsed)],
    ["allocator_rss_ratio", ratio(m.rss, m.heapTotal + m.external)],
    ["allocator_rss_bytes", Math.max(0, m.rss - m.heapTotal - m.external)],
    ["rss_overhead_ratio", "1.00"],
    ["rss_overhead_bytes", 0],
    ["mem_fragmentation_ratio", ratio(m.rss, used)],
    ["mem_fragmentation_bytes", m.rss - used],
    ["mem_not_counted_for_evict", 0],
    ["mem_replication_backlog", 0],
    ["mem_total_replication_buffers", 0],
    ["mem_clients_slaves", 0],
    ["mem_clients_normal", 0],
    ["mem_cluster_links", 0],
    ["mem_aof_buffer", 0],
    ["mem_allocator", "bun"],
    ["active_defrag_running", 0],
    ["lazyfree_pending_objects", 0],
    ["lazyfreed_objects", 0],
  ];
});

setStandardInfoFields("persistence", (s) => [
  ["loading", 0],
  ["async_loading", 0],
  ["current_cow_peak", 0],
  ["current_cow_size", 0],
  ["current_cow_size_age", 0],
  ["current_fork_perc", "0.00"],
  ["current_save_keys_processed", 0],
  ["current_save_keys_total", 0],
  ["rdb_changes_since_last_save", s.keyspace.dirty],
  ["rdb_bgsave_in_progress", saveStatus(s).running !== null ? 1 : 0],
  ["rdb_last_save_time", unixSeconds(s.lastSaveAt)],
  ["rdb_last_bgsave_status", saveStatus(s).lastOk ? "ok" : "err"],
  ["rdb_last_bgsave_time_sec", saveStatus(s).lastSeconds],
  ["rdb_current_bgsave_time_sec", saveStatus(s).running !== null ? Math.round((Date.now() - saveStatus(s).startedAt) / 1000) : -1],
  ["rdb_saves", saveStatus(s).saves],
  ["rdb_last_cow_size", 0],
  ["rdb_last_load_keys_expired", 0],
  ["rdb_last_load_keys_loaded", 0],
  ["aof_enabled", configOr(s, "appendonly", "no") === "yes" ? 1 : 0],
  ["aof_rewrite_in_progress", 0],
  ["aof_rewrite_scheduled", 0],
  ["aof_last_rewrite_time_sec", -1],
  ["aof_current_rewrite_time_sec", -1],
  ["aof_last_bgrewrite_status", "ok"],
  ["aof_rewrites", 0],
  ["aof_rewrites_consecutive_failures", 0],
  ["aof_last_write_status", (s.engine.writeError?.() ?? null) === null ? "ok" : "err"],
  ["aof_last_cow_size", 0],
  ["module_fork_in_progress", 0],
  ["module_fork_last_cow_size", 0],
]);

setStandardInfoFields("stats", (s) => {
  const st = s.stats;
  const ks = s.keyspace.stats;
  const obs = s.observability;
  const zeros = (...names: string[]): InfoFields => names.map((n) => [n, 0]);
  return [
    ["total_connections_received", st.connectionsReceived],
    ["total_commands_processed", st.commandsProcessed],
    ["instantaneous_ops_per_sec", Math.round(obs.opsPerSec.perSecond)],
    ["total_net_input_bytes", st.netInputBytes],
    ["total_net_output_bytes", st.netOutputBytes],
    ["total_net_repl_input_bytes", 0],
    ["total_net_repl_output_bytes", 0],
    ["instantaneous_input_kbps", (obs.inputBytesPerSec.perSecond / 1024).toFixed(2)],
    ["instantaneous_output_kbps", (obs.outputBytesPerSec.perSecond / 1024).toFixed(2)],
    ["instantaneous_input_repl_kbps", "0.00"],
    ["instantaneous_output_repl_kbps", "0.00"],
    ["rejected_connections", st.rejectedConnections],
    ...zeros("sync_full", "sync_partial_ok", "sync_partial_err"),
    ["expired_keys", ks.expiredKeys],
    ["expired_stale_perc", (ks.expiredStalePerc * 100).toFixed(2)],
    ["expired_time_cap_reached_count", ks.expiredTimeCapReached],
    ...zeros("expire_cycle_cpu_milliseconds", "evicted_keys", "evicted_clients", "total_eviction_exceeded_time",
      "current_eviction_exceeded_time"),
    ["keyspace_hits", ks.hits],
    ["keyspace_misses", ks.misses],
    ...zeros("pubsub_channels", "pubsub_patterns", "pubsubshard_channels", "latest_fork_usec", "total_forks",
      "migrate_cached_sockets", "slave_expires_tracked_keys", "active_defrag_hits", "active_defrag_misses",
      "active_defrag_key_hits", "active_defrag_key_misses", "total_active_defrag_time", "current_active_defrag_time",
      "tracking_total_keys", "tracking_total_items", "tracking_total_prefixes", "unexpected_error_replies"),
    ["total_error_replies", st.totalErrorReplies],
    ["dump_payload_sanitizations", 0],
    ...zeros("total_reads_processed", "total_writes_processed",
      "io_threaded_reads_processed", "io_threaded_writes_processed", "reply_buffer_shrinks", "reply_buffer_expands"),
  ];
});

setStandardInfoFields("replication", (s) => [
  ["role", "master"],
  ["connected_slaves", 0],
  ["master_failover_state", "no-failover"],
  ["master_replid", s.observability.replId],
  ["master_replid2", ZERO_REPLID],
  ["master_repl_offset", 0],
  ["second_repl_offset", -1],
  ["repl_backlog_active", 0],
  ["repl_backlog_size", s.config.def("repl-backlog-size") ? s.config.num("repl-backlog-size") : 1048576],
  ["repl_backlog_first_byte_offset", 0],
  ["repl_backlog_histlen", 0],
]);

setStandardInfoFields("cpu", () => {
  const u = process.cpuUsage();
  const secs = (micros: number) => (micros / 1e6).toFixed(6);
  return [
    ["used_cpu_sys", secs(u.system)],
    ["used_cpu_user", secs(u.user)],
    ["used_cpu_sys_children", "0.000000"],
    ["used_cpu_user_children", "0.000000"],
    ["used_cpu_sys_main_thread", secs(u.system)],
    ["used_cpu_user_main_thread", secs(u.user)],
  ];
});

setStandardInfoFields("modules", () => []);

/** cmdstat_<name> for every command (and subcommand) that was called, failed or rejected. */
setStandardInfoFields("commandstats", (s) => {
  const fields: InfoFields = [];
  const visit = (cmd: Command) => {
    const st = cmd.stats;
    if (st.calls > 0 || st.failedCalls > 0 || st.rejectedCalls > 0) {
      const perCall = st.calls === 0 ? 0 : st.usec / st.calls;
      fields.push([
        `cmdstat_${cmd.name}`,
        `calls=${st.calls},usec=${st.usec},usec_per_call=${perCall.toFixed(2)},rejected_calls=${st.rejectedCalls},failed_calls=${st.failedCalls}`,
      ]);
    }
    if (cmd.subcommands) for (const sub of cmd.subcommands.values()) visit(sub);
  };
  for (const cmd of s.commands.all()) visit(cmd);
  return fields;
});

/** errorstat_<CODE>, in lexicographic order like Redis's rax walk. */
setStandardInfoFields("errorstats", (s) =>
  [...s.stats.errors.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([code, count]): [string, string] => [`errorstat_${code}`, `count=${count}`]),
);

/** latency_percentiles_usec_<name>, at the latency-tracking-info-percentiles (trimDoubleString'd labels). */
setStandardInfoFields("latencystats", (s) => {
  const spec = s.config.def("latency-tracking-info-percentiles") ? s.config.str("latency-tracking-info-percentiles") : "50 99 99.9";
  const percentiles = spec.split(" ").filter((p) => p !== "").map(Number);
  const fields: InfoFields = [];
  for (const [cmd, h] of s.observability.latency.histograms) {
    const values = percentiles.map((p) => `p${p}=${(h.valueAtPercentile(p) / 1000).toFixed(3)}`);
    fields.push([`latency_percentiles_usec_${cmd.name}`, values.join(",")]);
  }
  return fields;
});

setStandardInfoFields("cluster", () => [["cluster_enabled", 0]]);

/** Keys sampled per db for avg_ttl (Redis estimates it in the active expire cycle). */
const TTL_SAMPLE = 20;

setStandardInfoFields("keyspace", (s) => {
  const fields: InfoFields = [];
  const now = Date.now();
  for (const db of s.keyspace.dbs) {
    const store = db.store;
    const keys = store.size();
    if (keys === 0) continue;
    const expires = store.expiresCount();
    let ttlSum = 0;
    let ttlCount = 0;
    if (expires > 0) {
      store.sampleExpiring(TTL_SAMPLE, (_key, meta) => {
        if (meta.expireAt > now) {
          ttlSum += meta.expireAt - now;
          ttlCount++;
        }
      });
    }
    const avgTtl = ttlCount === 0 ? 0 : Math.round(ttlSum / ttlCount);
    fields.push([`db${db.index}`, `keys=${keys},expires=${expires},avg_ttl=${avgTtl}`]);
  }
  return fields;
});
