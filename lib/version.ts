/** The Falcon-Eye release, reported by `falcon version`, heartbeats and /healthz. */
export const VERSION = "0.1.0";
