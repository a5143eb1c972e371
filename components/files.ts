/** File handling in the browser: names, reading, saving. */

export const DEFAULT_FILE_NAME = 'cluster.yaml';

/**
 * The largest config text the dashboard takes, in UTF-8 bytes: larger files are refused before
 * they are read, and larger texts are not sent to the server (its JSON bodies are limited to
 * 6 MiB, which leaves room for the JSON around the text).
 */
export const MAX_TEXT_BYTES = 5 * 1024 * 1024;

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** `aws_example-full.yaml` -> `aws_example-full.fixed.yaml`; fixing a fixed file does not stack. */
export function fixedFileName(name: string): string {
  const base = name.replace(/[\\/]/g, '_').replace(/(\.fixed)?\.ya?ml$/i, '') || 'cluster';
  return `${base}.fixed.yaml`;
}

export function looksLikeYamlName(name: string): boolean {
  return /\.ya?ml$/i.test(name);
}

/** A file the dashboard will not open; the message says why, for the user. */
export class FileRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileRefused';
  }
}

/** `5.2 MiB`, `812 KiB`, `120 bytes`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MiB`;
}

/** Why a text of `bytes` UTF-8 bytes is too large, or null when it is not. */
export function tooLargeMessage(bytes: number, what: string): string | null {
  if (bytes <= MAX_TEXT_BYTES) return null;
  // "5.0 MiB" alone would not say why 5.0 is too much: give the bytes when it is close.
  const size = bytes < MAX_TEXT_BYTES * 1.05 ? `${bytes.toLocaleString('en-US')} bytes` : formatSize(bytes);
  return `${what} is ${size}; the limit is ${formatSize(MAX_TEXT_BYTES)} (${MAX_TEXT_BYTES.toLocaleString('en-US')} bytes).`;
}

/** Length of `text` in UTF-8 bytes, without encoding it. */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * The text of a file the user opened: UTF-8 only (a leading BOM is dropped), at most
 * MAX_TEXT_BYTES. Anything else is refused with a FileRefused that says why; bytes that are not
 * UTF-8 are never silently replaced (the CLI and the API report such input as RG101).
 */
export async function readTextFile(file: File): Promise<string> {
  // A BOM does not count: it is not part of the text.
  if (file.size > MAX_TEXT_BYTES + UTF8_BOM.length) throw new FileRefused(tooLargeMessage(file.size, file.name)!);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const bom = UTF8_BOM.every((b, i) => bytes[i] === b) ? UTF8_BOM.length : 0;
  const tooLarge = tooLargeMessage(bytes.length - bom, file.name);
  if (tooLarge) throw new FileRefused(tooLarge);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(bom));
  } catch {
    throw new FileRefused(`${file.name}: This file is not UTF-8 text. Save it as UTF-8 and open it again.`);
  }
  if (text.includes('\u0000')) throw new FileRefused(`${file.name}: This file is not a text file (it holds NUL bytes).`);
  return text;
}

/** Save text as a download (Blob + a[download]); nothing leaves the browser. */
export function saveText(text: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/yaml;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
