/** Chat with agents: sessions, messages, turns and their live events (see README.md). */
export { ChatService, eventsUrl, MAX_QUEUED_PER_SESSION } from "./service.ts";
export type { ChatSent, SendOptions } from "./service.ts";
export { INTERRUPTED_NOTE, TurnService } from "./turns.ts";
export type { TurnAgentConfig, TurnServiceDeps, Usage } from "./turns.ts";
export { ChatHub } from "./hub.ts";
export { TurnNotifier } from "./notifier.ts";
export { fitContext, historyBudget } from "./context.ts";
export { contextWindowOf, DEFAULT_CONTEXT_WINDOW } from "./models.ts";
