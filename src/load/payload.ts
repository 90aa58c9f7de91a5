/**
 * Payloads that carry their send time, so a subscriber in another process on the same machine can
 * measure end-to-end latency.
 */

/** bytes 0..3 of a stamped payload: "JKLT"; bytes 8..15: the send time, float64 little-endian */
const STAMP_MAGIC = new Uint8Array([0x4a, 0x4b, 0x4c, 0x54]);
const scratch = new Float64Array(1);
const scratchBytes = new Uint8Array(scratch.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Wall clock in ms with sub-ms precision, comparable across processes on one machine. */
export const wallMs = (): number => performance.timeOrigin + performance.now();

/** Payloads are cut from 256 KiB slabs (a view each, not a buffer each); a slab is freed with its last view. */
const SLAB_BYTES = 256 * 1024;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;
function allocPayload(size: number): Uint8Array {
  if (size > SLAB_BYTES / 4) return new Uint8Array(size);
  if (slabUsed + size > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const buf = slab.subarray(slabUsed, slabUsed + size);
  slabUsed += size;
  return buf;
}

/** A payload of `size` bytes; when size >= 16 it carries a magic and the send time (see payloadSentAt). */
export function stampPayload(size: number): Uint8Array {
  const buf = allocPayload(Math.max(0, size));
  if (size >= 16) {
    buf.set(STAMP_MAGIC, 0);
    scratch[0] = wallMs();
    if (LITTLE_ENDIAN) buf.set(scratchBytes, 8);
    else for (let k = 0; k < 8; k++) buf[8 + k] = scratchBytes[7 - k]!;
  }
  return buf;
}

/** The send time stamped into a payload, or undefined. */
export function payloadSentAt(data: Uint8Array): number | undefined {
  if (data.length < 16 || data[0] !== 0x4a || data[1] !== 0x4b || data[2] !== 0x4c || data[3] !== 0x54) return undefined;
  for (let k = 0; k < 8; k++) scratchBytes[LITTLE_ENDIAN ? k : 7 - k] = data[8 + k]!;
  return scratch[0];
}
