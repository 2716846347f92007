// Text that a project or a server sent, made safe to print: every character a terminal (or a log viewer,
// or a CI problem matcher) would act on instead of showing is written as a visible `\u001b`-style escape,
// like OpenSSH's strnvis. The escape is also a valid JSON escape, so sanitising JSON text keeps it valid
// and decoding to the same string.
//
// Escaped: C0 controls (except newline and tab in `printable`), DEL, C1 controls (U+0080–U+009F, which
// include the 8-bit CSI and OSC), the Unicode line and paragraph separators, and the bidirectional
// overrides and isolates (which reorder what is shown, "Trojan Source").

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_MULTILINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_LINE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const escape = (c: string) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/** Text for a terminal: control characters escaped, newlines and tabs kept. */
export function printable(text: string): string {
  return text.replace(UNSAFE_MULTILINE, escape);
}

/** One line for a terminal or a UI label: newlines escaped too, so a value can never start a line of its own. */
export function printableLine(text: string): string {
  return text.replace(UNSAFE_LINE, escape);
}
