/** What makes a password acceptable, with a message a person can act on. */

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;

// The passwords attackers try first, including the original system's default.
const COMMON = new Set([
  "password",
  "password1",
  "password12",
  "password123",
  "passw0rd",
  "1234567890",
  "12345678910",
  "0123456789",
  "qwertyuiop",
  "1q2w3e4r5t",
  "iloveyou12",
  "falconeye",
  "falconeye1",
  "falcon-eye",
  "falconeye123",
  "administrator",
  "admin12345",
  "adminadmin",
  "letmein123",
  "changeme123",
  "welcome123",
  "camera1234",
  "security123",
]);

/** Returns why the password is too weak, or null when it is acceptable. */
export function passwordProblem(
  password: string,
  username?: string,
): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) {
    return `password must be at least ${MIN_PASSWORD_LENGTH} characters long (a few words make a strong one)`;
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    return `password must be at most ${MAX_PASSWORD_LENGTH} characters long`;
  }
  const lower = password.toLowerCase();
  if (
    username && lower.includes(username.toLowerCase()) && username.length >= 3
  ) {
    return "password must not contain the user name";
  }
  if (COMMON.has(lower)) {
    return "password is one of the most common passwords; choose another";
  }
  if (/^(.)\1+$/.test(password)) {
    return "password must not repeat a single character";
  }
  return null;
}
