// Writes the PWA's PNG icons (a white "R" bar mark on the brand colour) without any image library.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
};

function png(size) {
  const raw = Buffer.alloc(size * (size * 3 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 3 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const u = x / size;
      const v = y / size;
      // Three columns of a council chamber under a roof: simple, legible at 48 px.
      const roof = v > 0.2 && v < 0.32 && Math.abs(u - 0.5) < 0.38 - (v - 0.2) * 0.0;
      const column = v >= 0.38 && v < 0.72 && [0.28, 0.5, 0.72].some((c) => Math.abs(u - c) < 0.06);
      const base = v >= 0.76 && v < 0.84 && Math.abs(u - 0.5) < 0.38;
      const white = roof || column || base;
      const i = y * (size * 3 + 1) + 1 + x * 3;
      raw[i] = white ? 255 : 0x0b;
      raw[i + 1] = white ? 255 : 0x4f;
      raw[i + 2] = white ? 255 : 0x6c;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

for (const size of [192, 512]) writeFileSync(new URL(`../web/public/icon-${size}.png`, import.meta.url), png(size));
