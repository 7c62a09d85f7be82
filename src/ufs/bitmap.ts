// Little bit maps as UFS stores them: bit k is bit (k & 7) of byte (k >> 3), LSB first.

export const getBit = (map: Uint8Array, k: number): boolean => (map[k >> 3] & (1 << (k & 7))) !== 0;

export function setBit(map: Uint8Array, k: number): void {
  map[k >> 3] |= 1 << (k & 7);
}
