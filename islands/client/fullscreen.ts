/**
 * Full-screen view of one element (a camera's canvas container) with the
 * Fullscreen API; Esc leaves it (the browser's own key). Where the API is
 * missing or refused (iPhone Safari), the element is instead marked `.max`
 * (fixed over the whole window, see render.ts) and Esc leaves that too.
 */
import type { RefObject } from "preact";
import { useEffect, useState } from "preact/hooks";

export interface FullscreenControl {
  /** The element fills the screen (either way). */
  active: boolean;
  /** The fallback is in use: add the class `max` to the element. */
  pseudo: boolean;
  toggle(): void;
}

export function useFullscreen(ref: RefObject<HTMLElement>): FullscreenControl {
  const [real, setReal] = useState(false);
  const [pseudo, setPseudo] = useState(false);

  useEffect(() => {
    const changed = () =>
      setReal(!!ref.current && document.fullscreenElement === ref.current);
    document.addEventListener("fullscreenchange", changed);
    return () => document.removeEventListener("fullscreenchange", changed);
  }, []);

  // Browsers leave real full screen on Esc by themselves; where the key still
  // reaches the page (some embedded and headless browsers), leave it here.
  useEffect(() => {
    if (!pseudo && !real) return;
    const key = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      if (pseudo) setPseudo(false);
      else if (document.fullscreenElement) {
        void document.exitFullscreen().catch(() => {});
      }
    };
    document.addEventListener("keydown", key);
    return () => document.removeEventListener("keydown", key);
  }, [pseudo, real]);

  const toggle = () => {
    const el = ref.current;
    if (!el) return;
    if (pseudo) return setPseudo(false);
    if (document.fullscreenElement === el) {
      void document.exitFullscreen().catch(() => {});
      return;
    }
    if (typeof el.requestFullscreen !== "function") return setPseudo(true);
    el.requestFullscreen().catch(() => setPseudo(true));
  };

  return { active: real || pseudo, pseudo, toggle };
}
