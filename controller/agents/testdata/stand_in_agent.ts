/**
 * A stand-in for `falcon agent` in the launcher tests: reads the credential
 * line from stdin, checks stdin is then closed, records what it received
 * (one JSON line per start in $STAND_IN_OUT) with its argv and environment,
 * then behaves as $STAND_IN_MODE says:
 * - `sleep` (default): runs until signalled;
 * - `crash`: writes to stderr and exits 3 at once;
 * - `stubborn`: ignores SIGTERM (the launcher must SIGKILL it);
 * - `family`: starts a grandchild `sleep` (the process group must go whole).
 */
const decoder = new TextDecoder();
const reader = Deno.stdin.readable.getReader();
let text = "";
let eof = false;
while (!eof) {
  const { value, done } = await reader.read();
  if (done) eof = true;
  else text += decoder.decode(value);
}
const line = text.split("\n")[0];
// From the environment, or `--mode=` / `--out=` arguments (the controller's own launcher).
const arg = (name: string) =>
  Deno.args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const mode = Deno.env.get("STAND_IN_MODE") ?? arg("mode") ?? "sleep";
let grandchild: number | null = null;
if (mode === "family") {
  grandchild = new Deno.Command("sleep", { args: ["300"] }).spawn().pid;
}
const out = Deno.env.get("STAND_IN_OUT") ?? arg("out");
if (out) {
  await Deno.writeTextFile(
    out,
    JSON.stringify({
      pid: Deno.pid,
      credential: JSON.parse(line),
      extra_stdin: text.slice(line.length + 1),
      stdin_closed: eof,
      args: Deno.args,
      env: Deno.env.toObject(),
      grandchild,
    }) + "\n",
    { append: true },
  );
}
if (mode === "crash") {
  console.error("stand-in: giving up with key=hunter2-secret-value");
  Deno.exit(3);
}
if (mode === "stubborn") Deno.addSignalListener("SIGTERM", () => {});
setInterval(() => {}, 60_000);
