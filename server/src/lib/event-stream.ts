/**
 * Reads a Server-Sent Events body (`event:` and `data:` lines, a blank line between events) and hands each event's
 * type and data to `onEvent` as it arrives; resolves when the stream ends or is aborted. Comments (`: ping`) and
 * `retry:` lines are skipped.
 */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  onEvent: (type: string, data: string) => void,
): Promise<void> {
  const reader = body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buf += dec.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const type = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (type && data) onEvent(type, data);
      }
    }
  } catch {
    // aborted by the reader's owner
  }
}
