/** Resolves on the first SIGINT or SIGTERM (Ctrl-C, kubelet stop). */
export function shutdownSignal(): Promise<string> {
  return new Promise((resolve) => {
    const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
    const handlers = signals.map((sig) => {
      const h = () => {
        signals.forEach((s, i) => Deno.removeSignalListener(s, handlers[i]));
        resolve(sig);
      };
      Deno.addSignalListener(sig, h);
      return h;
    });
  });
}

/** Exits when the parent process goes away (a `falcon up` that was killed hard). */
export function exitWithParent(parentPid: number, onGone: () => void): void {
  const t = setInterval(() => {
    if (Deno.ppid !== parentPid) {
      clearInterval(t);
      onGone();
    }
  }, 1000);
  Deno.unrefTimer(t);
}
