/**
 * Reads a byte stream whole, but never more than `cap` bytes: past it the stream is cancelled and
 * the answer is null. Counts the bytes actually read (a chunked upload has no Content-Length; a
 * decompression stream's output size is unknown until read).
 */
export async function readAtMost(readable: ReadableStream<Uint8Array>, cap: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = readable.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > cap) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
