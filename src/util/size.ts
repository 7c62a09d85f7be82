/** Parse "512M", "1G", "64MiB", "100K" or a number of bytes. */
export function parseSize(spec: string | number): number {
  if (typeof spec === 'number') return spec;
  const m = /^(\d+(?:\.\d+)?)\s*([KMG]?)i?B?$/i.exec(spec.trim());
  if (!m) throw new Error(`bad size ${spec}`);
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Math.round(Number(m[1]) * mult);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}
