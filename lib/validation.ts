/** Turns a zod error into an AppError that names the field at fault. */
import { AppError } from "./errors.ts";

interface IssueLike {
  path: PropertyKey[];
  message: string;
  code?: string;
  keys?: string[];
}

export function invalidInput(issues: readonly IssueLike[]): AppError {
  const issue = issues[0];
  let field = issue.path.map(String).join(".");
  let message = issue.message;
  if (issue.code === "unrecognized_keys" && issue.keys?.length) {
    field = [field, issue.keys[0]].filter(Boolean).join(".");
    // zod's own wording is replaced; a schema's custom message is kept.
    if (message.startsWith("Unrecognized key")) {
      message = `${field} is not a known field`;
    }
  } else if (field && !message.startsWith(field)) {
    message = `${field}: ${message}`;
  }
  return new AppError("invalid_input", message, field ? { field } : undefined);
}

/** A field that failed a check and why: `[field, message]`. */
export type FieldProblem = [field: string, message: string];
