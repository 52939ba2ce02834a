// Version numbers, in a module of their own so the command line can print
// them without loading the server.

export const VERSION = "0.1.0";
/** The Redis version we report to clients and scripts (redis_version, HELLO). */
export const REDIS_COMPAT_VERSION = "7.0.15";
