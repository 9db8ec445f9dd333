// Text from outside (a crew's reason, the model's answer, a symbol or name someone typed, an
// exchange's message) is printed in a terminal and posted to Discord. Escape sequences in it
// could move the cursor, rewrite lines already printed, set the window title, hide text or write
// a hyperlink (OSC 8) that says one thing and opens another; bidi overrides reorder what is
// read. Every such string passes plainText() at the two output boundaries (the console's write
// and the Discord renderer), so no single caller has to remember it.

/**
 * ESC-introduced sequences: CSI (ESC [ … final byte), OSC / DCS / SOS / PM / APC strings (up to
 * BEL or ST, or to the end of the text when unterminated), and the two-byte ESC sequences.
 */
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]?|[\]PX^_][\s\S]*?(?:\u0007|\u001b\\|$)|[ -/]*[0-~]?)/g;
/** The 8-bit forms: CSI (0x9b) and the string introducers OSC, DCS, SOS, PM, APC, up to ST or BEL. */
const C1_SEQUENCE = /\u009b[0-?]*[ -/]*[@-~]?|[\u0090\u0098\u009d\u009e\u009f][\s\S]*?(?:\u0007|\u009c|$)/g;
/** Every other control character but newline and tab; DEL; C1; bidi embeddings, overrides and isolates. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The text with every terminal control sequence and control character removed. Newlines and tabs
 * stay; a CR LF pair becomes a newline and a lone CR (which would overwrite the line) a space.
 */
export function plainText(text: string): string {
  // The fast path: nearly every line is already plain.
  if (!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text)) return text;
  return text.replace(/\r\n/g, '\n').replace(/\r/g, ' ').replace(ESCAPE_SEQUENCE, '').replace(C1_SEQUENCE, '').replace(CONTROL, '');
}
