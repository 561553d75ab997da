/**
 * Renders the configuration tables of the README from the settings
 * declarations, so documentation cannot drift from the code.
 * `deno run -A tools/config_docs.ts` prints them; tools/config_docs_test.ts
 * fails when README.md does not contain them verbatim.
 */
import { settingsMarkdown } from "../lib/config.ts";
import { upSettings } from "../cli/commands/up.ts";
import { controllerSettings } from "../controller/config.ts";
import { nodeAgentSettings } from "../node-agent/config.ts";
import { agentSettings } from "../agent/config.ts";

export function configTables(): { title: string; table: string }[] {
  return [
    { title: "`falcon up`", table: settingsMarkdown(upSettings) },
    {
      title: "`falcon controller`",
      table: settingsMarkdown(controllerSettings),
    },
    {
      title: "`falcon node-agent`",
      table: settingsMarkdown(nodeAgentSettings),
    },
    { title: "`falcon agent`", table: settingsMarkdown(agentSettings) },
  ];
}

if (import.meta.main) {
  for (const { title, table } of configTables()) {
    console.log(`#### ${title}\n\n${table}\n`);
  }
}
