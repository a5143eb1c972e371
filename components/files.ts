/** File handling in the browser: names, reading, saving. */

export const DEFAULT_FILE_NAME = 'cluster.yaml';

/** Larger files are refused before they are read (the API refuses them too). */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

/** `aws_example-full.yaml` -> `aws_example-full.fixed.yaml`; fixing a fixed file does not stack. */
export function fixedFileName(name: string): string {
  const base = name.replace(/[\\/]/g, '_').replace(/(\.fixed)?\.ya?ml$/i, '') || 'cluster';
  return `${base}.fixed.yaml`;
}

export function looksLikeYamlName(name: string): boolean {
  return /\.ya?ml$/i.test(name);
}

export async function readTextFile(file: File): Promise<string> {
  if (file.size > MAX_FILE_BYTES) {
    throw new Error(`${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MB; the limit is ${MAX_FILE_BYTES / 1024 / 1024} MB.`);
  }
  return file.text();
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
