/**
 * Browser: keeps the Settings page current while it is open. Listens for the
 * SSE event `settings` on `/api/events` (the page has no other live island,
 * so this is the page's only connection) and, after a reconnect, reads
 * `GET /api/settings` once, since events may have been missed meanwhile.
 */
import { apiRequest } from "./api.ts";
import type { SettingsEvent } from "../../lib/api/events.ts";
import type { SettingsView } from "./settings_form.ts";

/** Data of the SSE event `settings` (lib/api/events.ts). */
export type SettingsEventData = SettingsEvent;

/** Calls `onSettings` with the settings after every change; returns a function that stops. */
export function watchSettings(
  onSettings: (settings: SettingsView["settings"]) => void,
): () => void {
  const es = new EventSource("/api/events");
  let missed = false;
  es.addEventListener("settings", (e) => {
    try {
      const data = JSON.parse(
        (e as MessageEvent<string>).data,
      ) as SettingsEventData;
      if (data?.settings) onSettings(data.settings);
    } catch {
      console.warn('Ignoring a "settings" event whose data is not JSON');
    }
  });
  es.onerror = () => {
    missed = true; // the browser reconnects by itself while it can
  };
  es.onopen = async () => {
    if (!missed) return;
    missed = false;
    const res = await apiRequest<SettingsView>("GET", "/api/settings");
    if (res.ok && res.value?.settings) onSettings(res.value.settings);
  };
  return () => es.close();
}
