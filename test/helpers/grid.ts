/** Parameter grids shared by kernel tests. */

/** Image side lengths every kernel is tried on: degenerate, odd, prime, power of two, large. */
export const SIZES = [1, 2, 7, 31, 64, 257] as const;

/** All (H, W) pairs from a list of sizes. */
export function sizePairs(sizes: readonly number[] = SIZES): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const h of sizes) for (const w of sizes) out.push([h, w]);
  return out;
}
